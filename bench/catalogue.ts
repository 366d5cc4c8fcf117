// Catalogue listing latency with 100k datasets, PGlite vs PostgreSQL, through the real HTTP app
// (app.inject: routing, validation, policy SQL, serialisation; no socket).
import { sql } from 'kysely';
import { buildApp } from '../src/http/app.ts';
import { loadConfig } from '../src/config.ts';
import { systemClock } from '../src/clock.ts';
import { openPglite, openPostgres, type Database } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { syncTechniques } from '../src/catalogue/techniques/repo.ts';
import { upsertLocalUser } from '../src/auth/users.ts';
import { benchPostgres, machine, ms, percentile, timeIt } from './util.ts';

const DATASETS = Number(process.env.BENCH_DATASETS ?? 100_000);
const SESSIONS = Math.max(10, Math.round(DATASETS / 10));
const RUNS = Number(process.env.BENCH_RUNS ?? 60);

/** Bulk-generates the catalogue in SQL: about half the sessions are under embargo today. */
async function generate(database: Database): Promise<void> {
  const db = database.db;
  await migrateToLatest(db);
  await syncTechniques(db);
  await sql`INSERT INTO facility VALUES ('BF', 'Bench Facility')`.execute(db);
  await sql`INSERT INTO instrument (id, name, facility, techniques)
    SELECT 'BL' || i, 'Beamline ' || i, 'BF', ARRAY['PaNET01164'] FROM generate_series(1, 20) i`.execute(db);
  await sql`INSERT INTO app_user (username, full_name) SELECT 'user' || i, 'User ' || i FROM generate_series(1, 2000) i`.execute(
    db,
  );
  await sql`INSERT INTO proposal (id, title, summary)
    SELECT 'P' || i, 'Study of ' || (ARRAY['lysozyme', 'cathodes', 'MOF-5', 'tau protein', 'perovskites'])[1 + i % 5] || ' ' || i, 'summary ' || i
    FROM generate_series(1, ${Math.ceil(SESSIONS / 2)}::int) i`.execute(db);
  await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date)
    SELECT 'S' || i, 'P' || (1 + i % ${Math.ceil(SESSIONS / 2)}::int), 'BL' || (1 + i % 20),
      t, t + interval '3 days', t + interval '3 years 3 days'
    FROM generate_series(1, ${SESSIONS}::int) i, LATERAL (SELECT now() - interval '6 years' + i * (interval '6 years' / ${SESSIONS}::int) AS t) x`.execute(
    db,
  );
  await sql`INSERT INTO session_member (session_id, user_id, role)
    SELECT 'S' || i, 1 + i % 2000, 'principal_investigator' FROM generate_series(1, ${SESSIONS}::int) i`.execute(
    db,
  );
  await sql`INSERT INTO dataset (pid, session_id, name, title, techniques, size, file_count, created_at)
    SELECT '10.5072/bench.' || i, 'S' || (1 + i % ${SESSIONS}::int), 'scan_' || i,
      (ARRAY['lysozyme', 'cathode', 'MOF-5', 'tau', 'perovskite'])[1 + i % 5] || ' scan ' || i,
      ARRAY['PaNET01164'], 1048576 * (1 + i % 100), 1 + i % 50, now() - i * interval '30 minutes'
    FROM generate_series(1, ${DATASETS}::int) i`.execute(db);
  await sql`INSERT INTO parameter (dataset_pid, name, value_number, unit, si_value, si_unit)
    SELECT '10.5072/bench.' || i, p.name, p.v + i % 10, p.unit, (p.v + i % 10) * p.f, p.si
    FROM generate_series(1, ${DATASETS}::int) i,
      (VALUES ('photon_energy', 12.0, 'keV', 1.602176634e-16, 'J'), ('temperature', 100.0, 'K', 1.0, 'K')) p(name, v, unit, f, si)`.execute(
    db,
  );
  await sql`ANALYZE`.execute(db);
  await upsertLocalUser(db, { username: 'user7', password: 'bench-password' });
  await upsertLocalUser(db, { username: 'staff1', password: 'bench-password', role: 'staff' });
}

interface Row {
  name: string;
  p50: number;
  p95: number;
}

async function measure(database: Database): Promise<Row[]> {
  const app = await buildApp(
    { config: loadConfig({ FAIRBEAM_HOME: '/nonexistent' }), database, clock: systemClock },
    { webRoot: '/nonexistent' },
  );
  await app.ready();
  const cookie = async (username: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username, password: 'bench-password' },
    });
    return `fairbeam_session=${res.cookies.find((c) => c.name === 'fairbeam_session')!.value}`;
  };
  const member = await cookie('user7');
  const staff = await cookie('staff1');
  let cursor: string | null = null;
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await app.inject({ url, headers });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { next: string | null };
  };
  const cases: [string, (i: number) => Promise<unknown>][] = [
    ['datasets, first page (anonymous)', () => get('/api/datasets?limit=50')],
    ['datasets, first page (member)', () => get('/api/datasets?limit=50', { cookie: member })],
    ['datasets, first page (staff)', () => get('/api/datasets?limit=50', { cookie: staff })],
    [
      'datasets, next pages by cursor (anonymous)',
      async () => (cursor = (await get(`/api/datasets?limit=50${cursor ? `&cursor=${cursor}` : ''}`)).next),
    ],
    ['datasets, instrument filter', (i) => get(`/api/datasets?limit=50&instrument=BL${1 + (i % 20)}`)],
    ['datasets, text search q=', () => get('/api/datasets?limit=50&q=perovskite')],
    ['datasets with count=true (anonymous)', () => get('/api/datasets?limit=50&count=true')],
    ['sessions, first page (member)', () => get('/api/sessions?limit=50', { cookie: member })],
    ['proposals, first page (anonymous)', () => get('/api/proposals?limit=50')],
  ];
  const rows: Row[] = [];
  for (const [name, fn] of cases) {
    const samples = await timeIt(RUNS, fn);
    rows.push({ name, p50: percentile(samples, 50), p95: percentile(samples, 95) });
  }
  await app.close();
  return rows;
}

export async function run(): Promise<string> {
  const results: Record<string, Row[]> = {};
  const lite = await openPglite(undefined);
  let t = performance.now();
  await generate(lite);
  const liteLoad = (performance.now() - t) / 1000;
  results.PGlite = await measure(lite);
  await lite.close();
  const url = await benchPostgres('fairbeam_bench_catalogue');
  let pgLoad = NaN;
  if (url) {
    const pgdb = openPostgres(url);
    t = performance.now();
    await generate(pgdb);
    pgLoad = (performance.now() - t) / 1000;
    results.PostgreSQL = await measure(pgdb);
    await pgdb.close();
  }
  const names = results.PGlite!.map((r) => r.name);
  const lines = [
    '## Catalogue listing (issue 3)',
    '',
    `${DATASETS.toLocaleString('en')} datasets, ${SESSIONS.toLocaleString('en')} sessions (about half under embargo), 2 parameters per dataset; ` +
      `each request through the real app (routing, validation, SQL policy, JSON), ${RUNS} runs after warm-up; ${machine()}. ` +
      `Generating the data took ${liteLoad.toFixed(1)} s on PGlite${url ? ` and ${pgLoad.toFixed(1)} s on PostgreSQL` : ''}.`,
    '',
    '| request | PGlite p50 / p95 ms | PostgreSQL 15 p50 / p95 ms | PGlite ÷ PostgreSQL (p50) |',
    '|---|---|---|---|',
    ...names.map((n, i) => {
      const a = results.PGlite![i]!;
      const b = results.PostgreSQL?.[i];
      return `| ${n} | ${ms(a.p50)} / ${ms(a.p95)} | ${b ? `${ms(b.p50)} / ${ms(b.p95)}` : 'n/a'} | ${b ? (a.p50 / b.p50).toFixed(2) : 'n/a'} |`;
    }),
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
