import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { mulberry32, zipfPicker } from '../helpers/random.ts';
import { panoscGet, seedSearchWorld } from './world.ts';
import { termBit } from '../../src/search/panosc/top-datasets.ts';

type Json = Record<string, unknown>;

// Each posting carries its dataset's strong-term bits and weak maximum (migration 0020), which the
// two-word function uses to bound a candidate without looking its missing word up (migration 0021).
// The bounds must hold for whatever the trigger writes, and the pages must stay those of ranking every
// match: words strong in some datasets (titles) and weak in others (proposal summaries), words whose
// bits collide, and postings that still carry the defaults (no bound).
describe.each(dialects)('PaNOSC postings: term profile (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedSearchWorld(t.services.database.db);
  });
  afterAll(() => t.close());
  const db = () => t.services.database.db;
  const get = (path: string, params: Record<string, unknown> = {}) => panoscGet<Json[]>(t.app, path, params);
  // A `where` true for every dataset takes the general path (every match ranked in SQL).
  const everything = { pid: { nlike: 'zzz%' } };
  const samePages = async (query: string, limit: number, skip: number) => {
    const fast = await get('datasets', { query, filter: { limit, skip } });
    const general = await get('datasets', { query, filter: { limit, skip, where: everything } });
    expect(fast.map((d) => [d.pid, d.score])).toEqual(general.map((d) => [d.pid, d.score]));
    return fast;
  };
  /** Postings whose stored profile is not the one recomputed from their dataset's postings. */
  const profileMismatches = async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM dataset_term t
      JOIN (SELECT x.dataset_pid,
          coalesce(bit_or(fairbeam_term_bit(x.term)) FILTER (WHERE x.weight >= fairbeam_strong_weight()), 0) AS b,
          coalesce(max(x.weight) FILTER (WHERE x.weight < fairbeam_strong_weight()), 0) AS k
        FROM dataset_term x GROUP BY x.dataset_pid) AS p ON p.dataset_pid = t.dataset_pid
      WHERE t.strong_bits <> p.b OR t.weak_max <> p.k`.execute(db());
    return rows[0]!.n;
  };

  // Two words with the same bit: one is strong in titles, the other only weak (in summaries).
  let collide: [string, string];

  it('writes each dataset profile with its postings, and again when the dataset changes', async () => {
    const { rows: pairs } = await sql<{ a: string; b: string }>`SELECT x.w AS a, y.w AS b
      FROM (SELECT 'word' || i AS w FROM generate_series(1, 200) i) x
      JOIN (SELECT 'word' || i AS w FROM generate_series(1, 200) i) y
        ON x.w < y.w AND fairbeam_term_bit(x.w) = fairbeam_term_bit(y.w)
      ORDER BY x.w, y.w LIMIT 1`.execute(db());
    collide = [pairs[0]!.a, pairs[0]!.b];
    const strong = ['ferrite', 'magnon', 'quartz', 'basalt', collide[0]];
    const weak = ['ferrite', 'magnon', 'garnet', collide[1]];
    // Summaries are long: their words weigh under fairbeam_strong_weight() (C weight, normalised).
    await sql`INSERT INTO proposal (id, title, summary)
      SELECT 'PP' || i, 'Profile proposal ' || i,
        (SELECT string_agg(w, ' ') FROM unnest(CAST(${weak} AS text[])) WITH ORDINALITY AS u(w, o) WHERE (o + i) % 3 > 0)
          || ' with several more words of background in the summary text'
      FROM generate_series(1, 6) i`.execute(db());
    await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date)
      SELECT 'TP' || i, 'PP' || i, 'BL2', '2020-01-01', '2020-01-02',
        CASE WHEN i = 6 THEN timestamptz '2030-01-01' ELSE timestamptz '2021-01-01' END
      FROM generate_series(1, 6) i`.execute(db());
    const rnd = mulberry32(20);
    const zipf = zipfPicker(strong, rnd);
    const rows = Array.from({ length: 480 }, (_, i) => ({
      pid: `10.5072/tp.${i}`,
      session: `TP${1 + (i % 6)}`,
      title: Array.from({ length: Math.floor(rnd() * 4) }, zipf).join(' '),
    }));
    await sql`INSERT INTO dataset (pid, session_id, name, title)
      SELECT r.pid, r.session, 'tp_' || r.pid, r.title
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(pid text, session text, title text)`.execute(
      db(),
    );
    const { rows: kinds } = await sql<{ strong: number; weak: number }>`SELECT
        count(*) FILTER (WHERE weight >= fairbeam_strong_weight())::int AS strong,
        count(*) FILTER (WHERE weight < fairbeam_strong_weight())::int AS weak
      FROM dataset_term WHERE term = 'ferrit'`.execute(db());
    expect(kinds[0]!.strong).toBeGreaterThan(0);
    expect(kinds[0]!.weak).toBeGreaterThan(0);
    expect(await profileMismatches()).toBe(0);
    await sql`UPDATE dataset SET title = 'garnet garnet ' || title WHERE pid LIKE '10.5072/tp.1%'`.execute(
      db(),
    );
    await sql`UPDATE proposal SET summary = summary || ' magnon' WHERE id = 'PP2'`.execute(db());
    expect(await profileMismatches()).toBe(0);
  });

  it('ranks the same pages and scores as ranking every match, with words strong in some datasets and weak in others', async () => {
    const words = ['ferrite', 'magnon', 'quartz', 'basalt', 'garnet', ...collide];
    const pairs = words.flatMap((a, i) => words.slice(i + 1).map((b) => `${a} ${b}`));
    for (const [n, query] of pairs.entries()) {
      const limit = 1 + ((n * 7) % 30);
      const skip = n % 3 === 0 ? 0 : (n * 11) % 60;
      await samePages(query, limit, skip);
    }
    // The colliding pair: the weak word's bit is set wherever the strong one is in the title.
    expect((await samePages(collide.join(' '), 20, 0)).length).toBeGreaterThan(0);
    // Three words and more take the rounds from Node, with the same bounds.
    const { rows } = await sql<{
      term: string;
      bit: string;
    }>`SELECT w AS term, fairbeam_term_bit(w)::text AS bit
      FROM unnest(CAST(${[...words, 'x-ray', 'Zürich']} AS text[])) AS w`.execute(db());
    for (const r of rows) expect(termBit(r.term)).toBe(BigInt(r.bit));
    const triples = words.flatMap((a, i) =>
      words.slice(i + 1, i + 3).map((b, j) => `${a} ${b} ${words[(i + j + 3) % words.length]}`),
    );
    for (const [n, query] of [...triples, 'ferrite-magnon garnet'].entries())
      await samePages(query, 1 + ((n * 5) % 25), n % 4);
  });

  it('keeps every bit of a profile whose high bits are set (three words, ranked from Node)', async () => {
    // A title word with a low bit and one with the highest: as a JS number the low bit would be lost.
    const { rows } = await sql<{ w: string; bit: string }>`SELECT w, fairbeam_term_bit(w)::text AS bit
      FROM (SELECT 'bitword' || i AS w FROM generate_series(1, 2000) i) x`.execute(db());
    const low = rows.find((r) => BigInt(r.bit) > 0n && BigInt(r.bit) < 8n)!.w;
    const high = rows.find((r) => BigInt(r.bit) === -(1n << 63n))!.w;
    expect(termBit(high)).toBe(-(1n << 63n));
    // Hundreds of titles hold the low word three times (it weighs more there), so the one dataset with the
    // three query words is not reached in that word's list before the others settle it.
    const titles = [
      ...Array.from({ length: 300 }, (_, i) => ({ pid: `10.5072/tq.l${i}`, title: `${low} ${low} ${low}` })),
      { pid: '10.5072/tq.x', title: `zircon zircon olivine ${low} ${high}` },
    ];
    await sql`INSERT INTO dataset (pid, session_id, name, title)
      SELECT r.pid, 'TP1', 'tq_' || r.pid, r.title
      FROM jsonb_to_recordset(${JSON.stringify(titles)}::jsonb) AS r(pid text, title text)`.execute(db());
    // Its query words are all strong there, so its weak maximum bounds none of them: 0 makes a lost
    // bit show (the low word would count as absent, and the dataset would fall under the page).
    await sql`UPDATE dataset_term SET weak_max = 0 WHERE dataset_pid = '10.5072/tq.x'`.execute(db());
    const page = await samePages(`zircon olivine ${low}`, 5, 0);
    expect(page[0]!.pid).toBe('10.5072/tq.x');
  });

  it('ranks the same pages from postings that carry no profile (the defaults)', async () => {
    await sql`UPDATE dataset_term SET strong_bits = DEFAULT, weak_max = DEFAULT
      WHERE dataset_pid LIKE '10.5072/tp.%' AND right(dataset_pid, 1) IN ('1', '4', '7')`.execute(db());
    const { rows } = await sql<{ b: string; k: number }>`SELECT strong_bits::text AS b, weak_max AS k
      FROM dataset_term WHERE dataset_pid = '10.5072/tp.1' LIMIT 1`.execute(db());
    expect(rows).toEqual([{ b: '-1', k: Infinity }]);
    for (const [n, query] of [
      'ferrite magnon',
      'garnet ferrite',
      'quartz magnon',
      collide.join(' '),
      'ferrite magnon garnet',
    ].entries())
      await samePages(query, 5 + n * 7, n * 3);
  });
});
