type Item = Record<string, unknown>;

/**
 * Merges the lists of several providers: items tagged with their `provider`, ordered by score (best
 * first; items without a score keep provider order after scored ones), one item per pid (the best
 * scored, or the first provider's), then the page the caller asked for.
 */
export function mergeLists(
  lists: { provider: string; items: Item[] }[],
  skip: number,
  limit: number,
): Item[] {
  const tagged = lists.flatMap(({ provider, items }, p) =>
    items.map((item, i) => ({ item: { ...item, provider } as Item, p, i })),
  );
  const score = (x: Item) => (typeof x.score === 'number' ? x.score : -1);
  tagged.sort((a, b) => score(b.item) - score(a.item) || a.p - b.p || a.i - b.i);
  const seen = new Set<string>();
  const out: Item[] = [];
  for (const { item } of tagged) {
    const pid = typeof item.pid === 'string' ? item.pid : undefined;
    if (pid !== undefined) {
      if (seen.has(pid)) continue;
      seen.add(pid);
    }
    out.push(item);
  }
  return out.slice(skip, skip + limit);
}
