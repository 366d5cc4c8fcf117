// PaNOSC search latency and throughput over a generated catalogue (datasets with ~10 parameters each),
// PostgreSQL and PGlite, through the real app: p50/p95 per typical query (app.inject) and req/s over
// HTTP with concurrent clients. Reference in the same run: the native /api/datasets page.
// `tsx bench/panosc.ts` or `npm run bench -- panosc`. Sizes: BENCH_PANOSC_DATASETS (PostgreSQL,
// default 1M), BENCH_PANOSC_PGLITE_DATASETS (default 100k), BENCH_PANOSC_PARAMS (per dataset, 10),
// BENCH_RUNS (samples per query), BENCH_PANOSC_SECONDS (throughput window), BENCH_PANOSC_CLIENTS,
// BENCH_PANOSC_SKIP_PG=1. The PostgreSQL database is dropped at the end unless BENCH_PANOSC_KEEP=1;
// BENCH_PANOSC_REUSE=1 measures a kept one again (after migrating it: new indexes) instead of generating.
// BENCH_PANOSC_LOAD_ONLY=1 skips the one-at-a-time samples (only the load phase; for iterating).
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildApp } from '../src/http/app.ts';
import { loadConfig } from '../src/config.ts';
import { systemClock } from '../src/clock.ts';
import { openPglite, openPostgres, type Database } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { syncTechniques } from '../src/catalogue/techniques/repo.ts';
import pg from 'pg';
import { FINDINGS } from './panosc-findings.ts';
import { benchPostgres, httpStatus, machine, ms, percentile, postgresServerUrl, timeIt } from './util.ts';
import { generate, PARAMS, VOCABULARY } from './panosc-data.ts';

const PG_DATASETS = Number(process.env.BENCH_PANOSC_DATASETS ?? 1_000_000);
const LITE_DATASETS = Number(process.env.BENCH_PANOSC_PGLITE_DATASETS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const SECONDS = Number(process.env.BENCH_PANOSC_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_PANOSC_CLIENTS ?? 8);
const LOAD_ONLY = Boolean(process.env.BENCH_PANOSC_LOAD_ONLY);
const PG_NAME = 'fairbeam_bench_panosc';

const f = (filter: unknown) => encodeURIComponent(JSON.stringify(filter));
/** The mix: what PaNOSC portals and the federated service send most. */
export const MIX: [string, (i: number) => string][] = [
  [
    'text query (datasets, 1 word)',
    (i) => `/panosc/api/datasets?query=${VOCABULARY[(i * 7) % 60]}&filter=${f({ limit: 20 })}`,
  ],
  [
    'text query (datasets, 2 words)',
    (i) =>
      `/panosc/api/datasets?query=${VOCABULARY[i % 30]}%20${VOCABULARY[(i * 7 + 3) % 90]}&filter=${f({ limit: 20 })}`,
  ],
  [
    'parameter range in eV (stored keV)',
    (i) =>
      `/panosc/api/datasets?filter=${f({ limit: 20, include: [{ relation: 'parameters', scope: { where: { name: 'photon_energy', value: { between: [8000 + (i % 10) * 1000, 8500 + (i % 10) * 1000] }, unit: 'eV' } } }] })}`,
  ],
  [
    'two parameters ANDed (°C, eV)',
    (i) =>
      `/panosc/api/datasets?filter=${f({
        limit: 20,
        include: [
          {
            relation: 'parameters',
            scope: {
              where: {
                and: [
                  { name: 'temperature', value: { lt: -200 + (i % 5) }, unit: '°C' },
                  { name: 'photon_energy', value: { gt: 20000 }, unit: 'eV' },
                ],
              },
            },
          },
        ],
      })}`,
  ],
  [
    'technique (x-ray probe, expanded)',
    () =>
      `/panosc/api/datasets?filter=${f({ limit: 20, include: [{ relation: 'techniques', scope: { where: { name: 'x-ray probe-based techniques' } } }] })}`,
  ],
  [
    'instrument',
    (i) =>
      `/panosc/api/datasets?filter=${f({ limit: 20, include: [{ relation: 'instrument', scope: { where: { pid: `BL${1 + (i % 30)}` } } }] })}`,
  ],
  [
    'documents with datasets',
    (i) =>
      `/panosc/api/documents?filter=${f({ limit: 10, skip: (i % 50) * 10, include: [{ relation: 'datasets', scope: { limit: 5 } }] })}`,
  ],
  ['count (documents)', () => `/panosc/api/documents/count`],
  [
    'count (datasets, technique)',
    () =>
      `/panosc/api/datasets/count?filter=${f({ include: [{ relation: 'techniques', scope: { where: { name: 'small angle x-ray scattering' } } }] })}`,
  ],
];
const REFERENCE: [string, () => string] = [
  'reference: native /api/datasets?limit=20',
  () => '/api/datasets?limit=20',
];

interface Result {
  engine: string;
  datasets: number;
  generateSeconds: number;
  /** Per query: latencies, and CPU per request (ms) in the server process and PostgreSQL's backends. */
  rows: { name: string; p50: number; p95: number; node: number; pg: number | undefined }[];
  reference: { p50: number; p95: number };
  loaded: { rps: number; p50: number; p95: number; errors: number };
  /** CPU per request under load (ms): the server process, and PostgreSQL's backends when on /proc. */
  cpu: { node: number; pg: number | undefined; clients: number };
}

/** CPU time (ms) so far of each PostgreSQL backend serving this database, read from /proc (same machine). */
async function backendCpu(database: Database): Promise<Map<number, number> | undefined> {
  if (database.kind !== 'postgres') return undefined;
  const { rows } = await sql<{
    pid: number;
  }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(database.db);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields after the command name: state is the 3rd, utime and stime the 14th and 15th.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS);
    } catch {
      return undefined; // another machine's server, or no /proc
    }
  }
  return out;
}
/** Linux clock ticks per second (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

async function measure(
  engine: string,
  database: Database,
  datasets: number,
  generateSeconds: number,
): Promise<Result> {
  const app = await buildApp(
    { config: loadConfig({ FAIRBEAM_HOME: '/nonexistent' }), database, clock: systemClock },
    { webRoot: '/nonexistent' },
  );
  await app.ready();
  const hit = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  };
  const rows = [];
  // The one-at-a-time samples of the previous query kind include its warm-up calls (timeIt's), so
  // the CPU of each kind is measured over its own RUNS calls after a warm-up of its own.
  const cpuOf = async (url: (i: number) => string) => {
    for (let i = 0; i < 3; i++) await hit(url(i));
    const pg0 = await backendCpu(database);
    const node0 = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) await hit(url(i));
    const node1 = process.cpuUsage(node0);
    const pg1 = await backendCpu(database);
    let pgMs: number | undefined;
    if (pg0 && pg1) {
      pgMs = 0;
      for (const [pid, t] of pg1) pgMs += t - (pg0.get(pid) ?? 0);
    }
    return {
      node: (node1.user + node1.system) / 1000 / RUNS,
      pg: pgMs === undefined ? undefined : pgMs / RUNS,
    };
  };
  for (const [name, url] of LOAD_ONLY ? [] : MIX) {
    const samples = await timeIt(RUNS, (i) => hit(url(i)));
    rows.push({
      name,
      p50: percentile(samples, 50),
      p95: percentile(samples, 95),
      ...(await cpuOf(url)),
    });
    console.error(`bench panosc: ${engine} ${name}: p50 ${ms(rows.at(-1)!.p50)} p95 ${ms(rows.at(-1)!.p95)}`);
  }
  const refSamples = LOAD_ONLY ? [0] : await timeIt(RUNS, () => hit(REFERENCE[1]()));
  // Throughput and latency under load over real HTTP: CLIENTS concurrent keep-alive clients (node:http) cycling
  // through the mix, in another process (their CPU is not the server's).
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const pg0 = await backendCpu(database);
  const node0 = process.cpuUsage();
  const { latencies, errors, elapsed, cpuMs } = await loadFromChild(base);
  const node1 = process.cpuUsage(node0);
  const pg1 = await backendCpu(database);
  await app.close();
  const served = latencies.length + errors;
  let pgMs: number | undefined;
  if (pg0 && pg1) {
    pgMs = 0;
    for (const [pid, t] of pg1) pgMs += t - (pg0.get(pid) ?? 0);
  }
  return {
    engine,
    datasets,
    generateSeconds,
    rows,
    reference: { p50: percentile(refSamples, 50), p95: percentile(refSamples, 95) },
    loaded: {
      rps: latencies.length / elapsed,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      errors,
    },
    cpu: {
      node: (node1.user + node1.system) / 1000 / served,
      pg: pgMs === undefined ? undefined : pgMs / served,
      clients: cpuMs / served,
    },
  };
}

function table(r: Result): string {
  const lines = [
    `**${r.engine}**, ${r.datasets.toLocaleString('en')} datasets, ${(r.datasets * PARAMS).toLocaleString('en')} parameters (generated in ${r.generateSeconds.toFixed(0)} s)`,
    '',
    `| query | p50 ms | p95 ms | p95 / reference | CPU ms per request: server${r.cpu.pg === undefined ? '' : ' + PostgreSQL'} |`,
    '|---|---:|---:|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.name} | ${ms(x.p50)} | ${ms(x.p95)} | ${(x.p95 / r.reference.p95).toFixed(1)}× | ` +
        `${x.node.toFixed(1)}${x.pg === undefined ? '' : ` + ${x.pg.toFixed(1)}`} |`,
    ),
    `| ${REFERENCE[0]} | ${ms(r.reference.p50)} | ${ms(r.reference.p95)} | 1.0× | |`,
    '',
    `Goal (p95 < 100 ms, ≥ 200 req/s): p95 met by ${r.rows.filter((x) => x.p95 < 100).length} of ${r.rows.length} queries; ` +
      `throughput ${r.loaded.rps >= 200 ? 'met' : 'not met'}.`,
    '',
    `Under load over HTTP, ${CLIENTS} concurrent clients cycling through the mix for ${SECONDS} s: **${r.loaded.rps.toFixed(0)} req/s**, ` +
      `p50 ${ms(r.loaded.p50)} ms, p95 ${ms(r.loaded.p95)} ms${r.loaded.errors ? ` (${r.loaded.errors} errors)` : ''}. ` +
      `CPU per request meanwhile: server process ${r.cpu.node.toFixed(1)} ms` +
      (r.cpu.pg === undefined
        ? ' (PostgreSQL in the same process)'
        : `, PostgreSQL backends ${r.cpu.pg.toFixed(1)} ms (from /proc), ${(r.cpu.node + r.cpu.pg).toFixed(1)} ms in all; ` +
          `2 cores give at most ~${Math.floor(2000 / (r.cpu.node + r.cpu.pg))} req/s at that cost`) +
      `; the load clients (another process on the same cores) used ${r.cpu.clients.toFixed(1)} ms more.`,
  ];
  return lines.join('\n');
}

/** The bench's own database on the PostgreSQL server: reused when asked and it holds the right catalogue. */
async function pgDatabase(): Promise<{ url: string; reused: number | undefined } | undefined> {
  if (process.env.BENCH_PANOSC_SKIP_PG) return undefined;
  if (process.env.BENCH_PANOSC_REUSE) {
    const admin = postgresServerUrl();
    if (admin) {
      const u = new URL(admin);
      u.pathname = `/${PG_NAME}`;
      const client = new pg.Client({ connectionString: u.toString() });
      try {
        await client.connect();
        const { rows } = await client.query<{ n: string; note: string | null }>(
          `SELECT (SELECT count(*) FROM dataset) AS n, shobj_description(d.oid, 'pg_database') AS note FROM pg_database d WHERE datname = current_database()`,
        );
        // The note (generation seconds) is written last: without it the load did not finish.
        if (Number(rows[0]?.n) === PG_DATASETS && rows[0]!.note)
          return { url: u.toString(), reused: Number(rows[0]!.note ?? NaN) };
      } catch {
        // not there (yet): generate it
      } finally {
        await client.end().catch(() => {});
      }
    }
  }
  const url = await benchPostgres(PG_NAME);
  return url ? { url, reused: undefined } : undefined;
}

async function dropPgDatabase(url: string): Promise<void> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${PG_NAME} WITH (FORCE)`);
  await admin.end();
}

export async function run(): Promise<string> {
  const load0 = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  const results: Result[] = [];
  const target = await pgDatabase();
  if (target) {
    const database = openPostgres(target.url, 10);
    try {
      let seconds = target.reused;
      if (seconds === undefined) {
        seconds = await generate(database, PG_DATASETS);
        // Kept with the database so that a BENCH_PANOSC_REUSE run can still report it.
        await sql.raw(`COMMENT ON DATABASE ${PG_NAME} IS '${seconds.toFixed(1)}'`).execute(database.db);
      } else {
        await migrateToLatest(database.db);
        // New derived tables (the technique closure and family counts of migration 0012) are filled here.
        await syncTechniques(database.db);
        // The postings table rewritten by migration 0020 needs its visibility map for index-only scans.
        await sql`VACUUM ANALYZE technique_ancestor, technique_family_count, dataset_term`.execute(
          database.db,
        );
        await sql`ANALYZE`.execute(database.db);
      }
      results.push(await measure('PostgreSQL 15', database, PG_DATASETS, seconds));
    } finally {
      await database.close();
      if (!process.env.BENCH_PANOSC_KEEP) await dropPgDatabase(target.url);
    }
  }
  if (!process.env.BENCH_PANOSC_SKIP_PGLITE) {
    const lite = await openPglite(undefined);
    try {
      const seconds = await generate(lite, LITE_DATASETS);
      results.push(await measure('PGlite (in memory)', lite, LITE_DATASETS, seconds));
    } finally {
      await lite.close();
    }
  }
  return [
    '## PaNOSC search',
    '',
    `${machine()}, shared with other work while this ran (load average ${load0} at the start, ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(
        ' / ',
      )} at the end); ${RUNS} samples per query one at a time through app.inject (routing, filter parsing, SQL, includes, JSON), then the mix under concurrent load over HTTP.`,
    'Goal: p95 < 100 ms and ≥ 200 req/s on PostgreSQL at 1M datasets / 10M parameters.',
    '',
    ...results.flatMap((r) => [table(r), '']),
    ...(results.some((r) => r.engine.startsWith('PostgreSQL')) ? [FINDINGS, ''] : []),
  ].join('\n');
}

interface Load {
  latencies: number[];
  errors: number;
  elapsed: number;
  /** CPU time (ms) of the load process over the window. */
  cpuMs: number;
}

/** Runs `clients()` in a child process (this file again, with BENCH_PANOSC_LOADER set to the server). */
function loadFromChild(base: string): Promise<Load> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_PANOSC_LOADER: base },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as Load));
    child.once('exit', (code) => reject(new Error(`bench panosc: load process exited with ${code}`)));
  });
}

async function clients(base: string): Promise<Load> {
  const server = new URL(base);
  const latencies: number[] = [];
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; performance.now() < until; i += CLIENTS) {
        const [, url] = MIX[i % MIX.length]!;
        const t = performance.now();
        const status = await httpStatus(server, url(i));
        if (status === 200) latencies.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return {
    latencies,
    errors,
    elapsed: (performance.now() - started) / 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

if (process.env.BENCH_PANOSC_LOADER) {
  const load = await clients(process.env.BENCH_PANOSC_LOADER);
  // exit, not disconnect: the keep-alive sockets would keep this process alive.
  process.send!(load, () => process.exit(0));
} else if (import.meta.url === pathToFileURL(process.argv[1]!).href) console.log(await run());
