import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { mulberry32, zipfPicker } from '../helpers/random.ts';
import { syncTechniques } from '../../src/catalogue/techniques/repo.ts';
import { panoscGet, seedSearchWorld, type SearchWorld } from './world.ts';

type Json = Record<string, unknown>;

// The search postings and technique links of migration 0010 carry their session's release time:
// they must follow the session's embargo and the dataset's text, and the fast paths built on them
// (top-k by the threshold algorithm, counts from one index range) must answer exactly what the
// general SQL path answers.
describe.each(dialects)('PaNOSC postings (%s)', (dialect) => {
  let t: TestApp;
  let w: SearchWorld;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedSearchWorld(t.services.database.db);
  });
  afterAll(() => t.close());
  const get = (path: string, params: Record<string, unknown> = {}) =>
    panoscGet<Json[] & { count: number }>(t.app, path, params);
  const db = () => t.services.database.db;
  const byTechnique = { include: [{ relation: 'techniques', scope: { where: { pid: 'PaNET01164' } } }] };

  it("follows a change of the session's embargo, both ways, in text search and technique counts", async () => {
    const pids = async () => (await get('datasets', { query: 'lysozyme' })).map((d) => d.pid);
    const count = async () => (await get('datasets/count', { filter: byTechnique })).count;
    expect(await pids()).toEqual([]);
    const before = await count();
    await sql`UPDATE session SET release_date = '2026-02-01' WHERE id = 'EMB'`.execute(db());
    expect(await pids()).toEqual([w.pids.emb_scan]);
    expect(await count()).toBe(before + 1);
    expect((await get('datasets/count', { query: 'lysozyme' })).count).toBe(1);
    await sql`UPDATE session SET release_date = '2029-01-01' WHERE id = 'EMB'`.execute(db());
    expect(await pids()).toEqual([]);
    expect(await count()).toBe(before);
    // Released early: public whatever its release date says.
    await sql`UPDATE session SET released_at = '2026-05-01' WHERE id = 'EMB'`.execute(db());
    expect(await pids()).toEqual([w.pids.emb_scan]);
    expect(await count()).toBe(before + 1);
    await sql`UPDATE session SET released_at = NULL WHERE id = 'EMB'`.execute(db());
    expect(await pids()).toEqual([]);
    expect(await count()).toBe(before);
  });

  it("follows a dataset's new title and techniques", async () => {
    await sql`UPDATE dataset SET title = 'Ferrocene survey' WHERE pid = ${w.pids.xas_1}`.execute(db());
    expect((await get('datasets', { query: 'ferrocene' })).map((d) => d.pid)).toEqual([w.pids.xas_1]);
    await sql`UPDATE dataset SET title = 'Copper K-edge scan' WHERE pid = ${w.pids.xas_1}`.execute(db());
    expect(await get('datasets', { query: 'ferrocene' })).toEqual([]);
    const before = (await get('datasets/count', { filter: byTechnique })).count;
    await sql`UPDATE dataset SET techniques = techniques || '{PaNET01164}' WHERE pid = ${w.pids.xas_1}`.execute(
      db(),
    );
    expect((await get('datasets/count', { filter: byTechnique })).count).toBe(before + 1);
    await sql`UPDATE dataset SET techniques = array_remove(techniques, 'PaNET01164') WHERE pid = ${w.pids.xas_1}`.execute(
      db(),
    );
    expect((await get('datasets/count', { filter: byTechnique })).count).toBe(before);
  });

  it('counts a technique family from the per-session counts exactly as from the datasets', async () => {
    // 300 datasets with one or two techniques drawn from a few families and their descendants, some
    // under embargo, some deleted again; then the same counts once the stored closure is gone.
    const techs = [
      'PaNET01188',
      'PaNET01162',
      'PaNET01280',
      'PaNET01227',
      'PaNET01196',
      'PaNET01103',
      'PaNET01164',
    ];
    await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date)
      SELECT 'TF' || i, 'P-PUB', 'BL2', '2020-01-01', '2020-01-02',
        CASE WHEN i = 3 THEN timestamptz '2030-01-01' ELSE timestamptz '2021-01-01' END
      FROM generate_series(1, 4) i`.execute(db());
    const rnd = mulberry32(11);
    const pick = () => techs[Math.floor(rnd() * techs.length)]!;
    const rows = Array.from({ length: 300 }, (_, i) => ({
      pid: `10.5072/tf.${i}`,
      session: `TF${1 + (i % 4)}`,
      techniques: rnd() < 0.4 ? [pick(), pick()] : [pick()],
    }));
    await sql`INSERT INTO dataset (pid, session_id, name, techniques)
      SELECT r.pid, r.session, 'tf_' || r.pid, r.techniques
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(pid text, session text, techniques text[])`.execute(
      db(),
    );
    await sql`DELETE FROM dataset WHERE pid LIKE '10.5072/tf.1%'`.execute(db());
    await sql`UPDATE dataset SET session_id = 'TF3' WHERE pid LIKE '10.5072/tf.2%'`.execute(db());
    const everything = { pid: { nlike: 'zzz%' } };
    const names = [
      'x-ray probe-based techniques',
      'small angle x-ray scattering',
      'x-ray absorption spectroscopy',
    ];
    const counts = async () => {
      const out: number[] = [];
      for (const name of names) {
        const include = [{ relation: 'techniques', scope: { where: { name } } }];
        const fast = (await get('datasets/count', { filter: { include } })).count;
        const general = (await get('datasets/count', { filter: { include, where: everything } })).count;
        expect(fast).toBe(general);
        out.push(fast);
      }
      return out;
    };
    const stored = await counts();
    expect(stored.every((n) => n > 0)).toBe(true);
    // They do come from technique_family_count: a change there shows (undone by the next sync).
    const saxs = { include: [{ relation: 'techniques', scope: { where: { pid: 'PaNET01188' } } }] };
    const n = (await get('datasets/count', { filter: saxs })).count;
    await sql`UPDATE technique_family_count SET n = n + 1000 WHERE technique_id = 'PaNET01188' AND session_id = 'TF1'`.execute(
      db(),
    );
    expect((await get('datasets/count', { filter: saxs })).count).toBe(n + 1000);
    // Without the closure the counts come from the links again: the same numbers.
    await sql`DELETE FROM technique_ancestor`.execute(db());
    expect(await counts()).toEqual(stored);
    await syncTechniques(db());
    expect(await counts()).toEqual(stored);
  });

  it('ranks the same pages and scores by the threshold algorithm as by ranking every match', async () => {
    // 600 public datasets titled with words drawn ~1/rank, so lists of very different lengths and
    // many ties; one in five under embargo.
    const words = ['alpha', 'beta', 'gamma', 'delta', 'kappa', 'sigma', 'omega', 'theta', 'lambda', 'zeta'];
    await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date)
      SELECT 'TA' || i, 'P-PUB', 'BL2', '2020-01-01', '2020-01-02',
        CASE WHEN i = 5 THEN timestamptz '2030-01-01' ELSE timestamptz '2021-01-01' END
      FROM generate_series(1, 5) i`.execute(db());
    const rnd = mulberry32(8);
    const zipf = zipfPicker(words, rnd);
    const rows = Array.from({ length: 600 }, (_, i) => ({
      pid: `10.5072/ta.${i}`,
      session: `TA${1 + (i % 5)}`,
      title: Array.from({ length: 1 + Math.floor(rnd() * 6) }, zipf).join(' '),
    }));
    await sql`INSERT INTO dataset (pid, session_id, name, title)
      SELECT r.pid, r.session, 'ta_' || r.pid, r.title
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(pid text, session text, title text)`.execute(
      db(),
    );
    // A `where` true for every dataset takes the general path (every match ranked in SQL).
    const everything = { pid: { nlike: 'zzz%' } };
    for (let n = 0; n < 12; n++) {
      const query = Array.from({ length: 1 + (n % 3) }, zipf).join(' ');
      const limit = 1 + Math.floor(rnd() * 30);
      const skip = Math.floor(rnd() * 20);
      const fast = await get('datasets', { query, filter: { limit, skip } });
      const general = await get('datasets', { query, filter: { limit, skip, where: everything } });
      expect(fast.length).toBeGreaterThan(0);
      expect(fast.map((d) => [d.pid, d.score])).toEqual(general.map((d) => [d.pid, d.score]));
      expect((await get('datasets/count', { query })).count).toBe(
        (await get('datasets/count', { query, where: everything })).count,
      );
    }
    // The best matches for two words hold both, but each of its words weighs less there (a longer
    // title) than in the hundreds of titles with just one: they sit deep in both lists.
    const deep = [
      ...Array.from({ length: 300 }, (_, i) => ({ pid: `10.5072/tb.a${i}`, title: 'ferrite' })),
      ...Array.from({ length: 300 }, (_, i) => ({ pid: `10.5072/tb.b${i}`, title: 'magnon' })),
      ...Array.from({ length: 3 }, (_, i) => ({
        pid: `10.5072/tb.c${i}`,
        title: 'ferrite magnon quartz basalt granite marble schist slate',
      })),
    ];
    await sql`INSERT INTO dataset (pid, session_id, name, title)
      SELECT r.pid, 'TA1', 'tb_' || r.pid, r.title
      FROM jsonb_to_recordset(${JSON.stringify(deep)}::jsonb) AS r(pid text, title text)`.execute(db());
    const best = await get('datasets', { query: 'ferrite magnon', filter: { limit: 5 } });
    expect(best.slice(0, 3).map((d) => d.pid)).toEqual(['10.5072/tb.c0', '10.5072/tb.c1', '10.5072/tb.c2']);
    expect(best.map((d) => [d.pid, d.score])).toEqual(
      (await get('datasets', { query: 'ferrite magnon', filter: { limit: 5, where: everything } })).map(
        (d) => [d.pid, d.score],
      ),
    );
    // Two words run inside PostgreSQL (migration 0016): every pair of the commoner words and a rare
    // one, pages near the top, deep ones, and ones past the last match.
    const pairs = words.slice(0, 6).flatMap((a, i) => words.slice(i + 1, 7).map((b) => `${a} ${b}`));
    const odd = [
      'ferrite alpha',
      'magnon zeta',
      'the of',
      'nosuchword',
      'alpha nosuchword',
      'alpha beta gamma',
    ];
    for (const [n, query] of [...pairs, ...odd].entries()) {
      const limit = 1 + ((n * 7) % 40);
      const skip = n % 3 === 0 ? 0 : (n * 13) % 90;
      const fast = await get('datasets', { query, filter: { limit, skip } });
      const general = await get('datasets', { query, filter: { limit, skip, where: everything } });
      expect(fast.map((d) => [d.pid, d.score])).toEqual(general.map((d) => [d.pid, d.score]));
    }
  });
});
