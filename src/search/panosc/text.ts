import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/connect.ts';

const MAX_WORDS = 32;

/**
 * The `query` parameter, matched and scored two ways: `ts`, a tsquery that matches any of its words
 * (each stemmed, English stop words dropped; documents and instruments), and `terms`, the same
 * words' lexemes as the dataset search postings hold them (migration 0010): a dataset matches when
 * it has any of them and scores the sum of their weights.
 */
export interface TextQuery {
  ts: RawBuilder<unknown>;
  terms: string[];
}

/** The words of the `query` parameter (at most MAX_WORDS); empty when nothing is searchable. */
export function queryWords(text: string): string[] {
  return (text.match(/[\p{L}\p{N}][\p{L}\p{N}_\-.]*/gu) ?? [])
    .slice(0, MAX_WORDS)
    .map((w) => w.slice(0, 100));
}

/** The words' lexemes as the postings hold them, computed in SQL (an array expression). */
export const termsOf = (words: string[]): RawBuilder<string[]> =>
  sql<string[]>`tsvector_to_array(to_tsvector('english', ${words.join(' ')}))`;

/** Undefined when nothing searchable is left (no words at all). */
export async function textQuery(db: Db, text: string): Promise<TextQuery | undefined> {
  const words = queryWords(text);
  if (words.length === 0) return undefined;
  const { rows } = await sql<{ terms: string[] }>`SELECT ${termsOf(words)} AS terms`.execute(db);
  return {
    ts: sql`(${sql.join(
      words.map((w) => sql`plainto_tsquery('english', ${w})`),
      sql` || `,
    )})`,
    terms: rows[0]?.terms ?? [],
  };
}
