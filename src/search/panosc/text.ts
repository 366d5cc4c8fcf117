import { sql, type RawBuilder } from 'kysely';

const MAX_WORDS = 32;

/**
 * The `query` parameter as a tsquery that matches any of its words (each stemmed, English stop words
 * dropped): the reference API scores documents that contain some of the words, not only all of them.
 * Undefined when nothing searchable is left.
 */
export function textQuery(text: string): RawBuilder<unknown> | undefined {
  const words = (text.match(/[\p{L}\p{N}][\p{L}\p{N}_\-.]*/gu) ?? [])
    .slice(0, MAX_WORDS)
    .map((w) => w.slice(0, 100));
  if (words.length === 0) return undefined;
  return sql`(${sql.join(
    words.map((w) => sql`plainto_tsquery('english', ${w})`),
    sql` || `,
  )})`;
}
