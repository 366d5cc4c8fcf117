/** Deterministic PRNG (mulberry32), so a failing property or fault run can be replayed with its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks words with a chance of about 1/rank (the first most often), like words of titles. */
export function zipfPicker(words: readonly string[], rnd: () => number): () => string {
  return () =>
    words[Math.min(words.length - 1, Math.floor(Math.exp(rnd() * Math.log(words.length + 1))) - 1)]!;
}
