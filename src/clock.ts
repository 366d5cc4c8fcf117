/** Time as fairbeam sees it; tests and `policy release --now` substitute a fixed clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock & { set(t: Date | string): void } {
  let current = new Date(at);
  return { now: () => new Date(current), set: (t) => (current = new Date(t)) };
}
