// Logbook: posting latency and sustained rate over real HTTP on loopback (10 concurrent posters),
// and reading (latest page, full-text search) in a logbook of 1M events (PostgreSQL) or 100k (PGlite).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../src/http/app.ts';
import { loadConfig } from '../src/config.ts';
import { systemClock } from '../src/clock.ts';
import { openPglite, openPostgres, type Database } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { benchPostgres, machine, ms, percentile, timeIt } from './util.ts';

const BIG_PG = Number(process.env.BENCH_LOGBOOK_EVENTS ?? 1_000_000);
const BIG_LITE = Number(process.env.BENCH_LOGBOOK_EVENTS_PGLITE ?? 100_000);
const POSTS = Number(process.env.BENCH_LOGBOOK_POSTS ?? 1000);
const SUSTAIN_S = Number(process.env.BENCH_LOGBOOK_SECONDS ?? 10);
const POSTERS = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 60);

// Vocabulary of the generated events; 'quench' is rare (1 in 10,000), 'alignment' common (1 in 20).
const WORDS = [
  'motor',
  'detector',
  'exposure',
  'shutter',
  'sample',
  'temperature',
  'pressure',
  'goniometer',
  'slit',
  'mirror',
  'undulator',
  'gap',
  'energy',
  'flux',
  'beam',
  'position',
  'scan',
  'frame',
  'image',
  'crystal',
];

/** A running session on BL1 with its logbook, an API key, and a big second logbook filled in SQL. */
async function generate(database: Database, bigEvents: number) {
  const db = database.db;
  await migrateToLatest(db);
  await sql`INSERT INTO facility VALUES ('BF', 'Bench Facility')`.execute(db);
  await sql`INSERT INTO instrument (id, name, facility) VALUES ('BL1', 'Beamline 1', 'BF'), ('BL2', 'Beamline 2', 'BF')`.execute(
    db,
  );
  await sql`INSERT INTO proposal (id, title) VALUES ('P1', 'Bench proposal')`.execute(db);
  await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date) VALUES
    ('RUN', 'P1', 'BL1', now() - interval '1 day', now() + interval '2 days', now() + interval '3 years'),
    ('BIG', 'P1', 'BL2', now() - interval '1 day', now() + interval '2 days', now() + interval '3 years')`.execute(
    db,
  );
  const key = (await createApiKey(db, 'bench-bl1', 'BL1')).key;
  const bigKey = (await createApiKey(db, 'bench-bl2', 'BL2')).key;
  const big = randomUUID();
  await sql`INSERT INTO logbook (id, scope, session_id, last_seq) VALUES (${big}, 'session', 'BIG', ${bigEvents})`.execute(
    db,
  );
  const t = performance.now();
  const words = sql.val(WORDS);
  // One statement per 100k rows keeps PGlite's memory flat.
  for (let from = 1; from <= bigEvents; from += 100_000) {
    const to = Math.min(bigEvents, from + 99_999);
    await sql`INSERT INTO logbook_event (id, logbook_id, seq, kind, category, source, author, occurred_at, received_at,
        tags, content_format, content_text, content_html, plain_text)
      SELECT gen_random_uuid(), ${big}::uuid, i, 'notification',
        CASE WHEN i % 50 = 0 THEN 'error' WHEN i % 7 = 0 THEN 'commandLine' ELSE 'info' END,
        'bench-bl2', 'spec', now() - (${bigEvents}::int - i) * interval '1 second', now() - (${bigEvents}::int - i) * interval '1 second',
        CASE WHEN i % 20 = 0 THEN ARRAY['alignment'] ELSE '{}' END,
        'plainText', txt, '<p>' || txt || '</p>', txt
      FROM generate_series(${from}::int, ${to}::int) i, (SELECT ${words}::text[] AS w) v,
        LATERAL (SELECT 'scan ' || i || ': ' || w[1 + i % 20] || ' ' || w[1 + (i / 20) % 20] || ' moved to ' || (i % 997) || '.' || (i % 10) ||
          ' mm, ' || w[1 + (i * 7) % 20] || ' reading ' || (i % 4096) ||
          CASE WHEN i % 20 = 0 THEN ' after alignment' ELSE '' END ||
          CASE WHEN i % 10000 = 0 THEN ', magnet quench detected' ELSE '' END ||
          CASE WHEN i % 50 = 0 THEN ', error: timeout on ' || w[1 + i % 20] ELSE '' END AS txt) x`.execute(
      db,
    );
  }
  await sql`ANALYZE logbook_event`.execute(db);
  return { key, bigKey, big, loadSeconds: (performance.now() - t) / 1000 };
}

interface Result {
  loadSeconds: number;
  health: number[];
  post: number[];
  postKeyed: number[];
  sustained: { events: number; seconds: number; p99: number; cpuMsPerEvent: number };
  sustainedBatch: { events: number; seconds: number };
  reads: [string, number[]][];
  open: number[];
}

async function measure(database: Database, bigEvents: number): Promise<Result> {
  const { key, bigKey, big, loadSeconds } = await generate(database, bigEvents);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-bench-logbook-'));
  const app = await buildApp(
    { config: loadConfig({ FAIRBEAM_HOME: home }), database, clock: systemClock },
    { webRoot: '/nonexistent' },
  );
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const call = async (url: string, init: RequestInit = {}, expected = 200) => {
    const res = await fetch(`${base}${url}`, init);
    const body = await res.text();
    if (res.status !== expected) throw new Error(`${url}: ${res.status} ${body}`);
    return body;
  };
  const lb = JSON.parse(await call('/api/instruments/BL1/logbook/current', { headers: auth })).id as string;
  const body = (i: number, keyed: boolean) =>
    JSON.stringify({
      content: { format: 'plainText', text: `motor samx moved to ${i}.0 mm, detector frame ${i}` },
      tags: ['motion'],
      ...(keyed ? { clientId: randomUUID() } : {}),
    });
  const post = (i: number, keyed = false) =>
    call(
      `/api/logbooks/${lb}/events`,
      {
        method: 'POST',
        headers: keyed ? { ...auth, 'idempotency-key': randomUUID() } : auth,
        body: body(i, keyed),
      },
      201,
    );

  const health = await timeIt(RUNS, () => call('/api/health'));
  const postLatency = await timeIt(POSTS, (i) => post(i), 20);
  const postKeyed = await timeIt(POSTS, (i) => post(i, true), 20);

  // Sustained: 10 posters, each posting the next event as soon as the last one is stored.
  const latencies: number[] = [];
  let events = 0;
  const cpu = process.cpuUsage();
  let start = performance.now();
  await Promise.all(
    Array.from({ length: POSTERS }, async () => {
      while (performance.now() - start < SUSTAIN_S * 1000) {
        const t = performance.now();
        await post(events, true);
        latencies.push(performance.now() - t);
        events++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const sustained = {
    events,
    seconds: (performance.now() - start) / 1000,
    p99: percentile(latencies, 99),
    // Node CPU (client and server: one process) per event: what the load on the machine does not change.
    cpuMsPerEvent: (used.user + used.system) / 1000 / events,
  };
  let batchEvents = 0;
  start = performance.now();
  await Promise.all(
    Array.from({ length: POSTERS }, async () => {
      while (performance.now() - start < (SUSTAIN_S * 1000) / 2) {
        const events = Array.from({ length: 100 }, (_, i) => JSON.parse(body(i, true)));
        await call(
          `/api/logbooks/${lb}/events:batch`,
          {
            method: 'POST',
            headers: { ...auth, 'idempotency-key': randomUUID() },
            body: JSON.stringify({ events }),
          },
          201,
        );
        batchEvents += 100;
      }
    }),
  );
  const sustainedBatch = { events: batchEvents, seconds: (performance.now() - start) / 1000 };

  const bigAuth = { authorization: `Bearer ${bigKey}` };
  const get = (q: string) => call(`/api/logbooks/${big}/events?${q}`, { headers: bigAuth });
  // Opening the logbook page asks for the logbook with its counts (a scan of the logbook's events).
  const open = await timeIt(Math.min(RUNS, 10), () => call(`/api/logbooks/${big}`, { headers: bigAuth }), 1);
  const reads: [string, number[]][] = [];
  for (const [name, q] of [
    ['latest 100 (order=desc)', 'order=desc&limit=100'],
    ['oldest 100 (ascending)', 'limit=100'],
    ['100 after seq = half way', `limit=100&after=${Math.floor(bigEvents / 2)}`],
    ['category=error, latest 100', 'order=desc&limit=100&category=error'],
    ['tag=alignment, latest 100', 'order=desc&limit=100&tag=alignment'],
    ['search "quench" (1 in 10,000), latest 50', 'order=desc&limit=50&q=quench'],
    ['search "alignment" (1 in 20), latest 50', 'order=desc&limit=50&q=alignment'],
    [
      'search "timeout error" (1 in 50), latest 50',
      `order=desc&limit=50&q=${encodeURIComponent('timeout error')}`,
    ],
    ['search "motor" (1 in 3), latest 50', 'order=desc&limit=50&q=motor'],
  ] as const) {
    reads.push([name, await timeIt(RUNS, () => get(q))]);
  }
  await app.close();
  fs.rmSync(home, { recursive: true, force: true });
  return { loadSeconds, health, post: postLatency, postKeyed, sustained, sustainedBatch, reads, open };
}

export async function run(): Promise<string> {
  const loadBefore = os.loadavg()[0]!;
  const results: Record<string, Result> = {};
  const lite = await openPglite(undefined);
  results.PGlite = await measure(lite, BIG_LITE);
  await lite.close();
  const url = await benchPostgres('fairbeam_bench_logbook');
  if (url) {
    const pgdb = openPostgres(url);
    results.PostgreSQL = await measure(pgdb, BIG_PG);
    await pgdb.close();
  }
  const L = results.PGlite!;
  const P = results.PostgreSQL;
  const cell = (r: Result | undefined, f: (r: Result) => string) => (r ? f(r) : 'n/a');
  const pq = (s: number[]) => `${ms(percentile(s, 50))} / ${ms(percentile(s, 99))}`;
  const ratio = (s: number[], r: Result) => (percentile(s, 50) / percentile(r.health, 50)).toFixed(1);
  const rate = (x: { events: number; seconds: number }) =>
    Math.round(x.events / x.seconds).toLocaleString('en');
  const lines = [
    '## Logbook (issue 7)',
    '',
    `Real HTTP on loopback (fetch → fastify → database), API-key auth, ${machine()}, shared with other work ` +
      `(load average ${loadBefore.toFixed(0)} when the run started: absolute times are inflated, the ratios to GET /api/health less so). Posting: ${POSTS} sequential single-event posts; ` +
      `sustained: ${POSTERS} concurrent posters for ${SUSTAIN_S} s into one logbook (every post has an Idempotency-Key and clientId), then batches of 100 for ${SUSTAIN_S / 2} s. ` +
      `Reading: a logbook bulk-loaded with INSERT … SELECT generate_series: ${BIG_PG.toLocaleString('en')} events on PostgreSQL, ` +
      `${BIG_LITE.toLocaleString('en')} on PGlite (fewer: PGlite is an embedded single-process engine); ${RUNS} runs each after warm-up. ` +
      `Loading took ${L.loadSeconds.toFixed(0)} s on PGlite${P ? ` and ${P.loadSeconds.toFixed(0)} s on PostgreSQL` : ''}. ` +
      `"× health" is p50 divided by the p50 of GET /api/health in the same run (the HTTP floor).`,
    '',
    '| measure | PGlite | PostgreSQL 15 | goal (PostgreSQL) |',
    '|---|---|---|---|',
    `| GET /api/health p50 / p99 ms (reference) | ${pq(L.health)} | ${cell(P, (r) => pq(r.health))} | |`,
    `| post one event p50 / p99 ms (× health) | ${pq(L.post)} (${ratio(L.post, L)}) | ${cell(P, (r) => `${pq(r.post)} (${ratio(r.post, r)})`)} | p99 < 20 |`,
    `| post with Idempotency-Key + clientId p50 / p99 ms | ${pq(L.postKeyed)} | ${cell(P, (r) => pq(r.postKeyed))} | p99 < 20 |`,
    `| sustained, ${POSTERS} posters, single events: events/s (p99 ms) | ${rate(L.sustained)} (${ms(L.sustained.p99)}) | ${cell(P, (r) => `${rate(r.sustained)} (${ms(r.sustained.p99)})`)} | ≥ 1,000 |`,
    `| sustained: Node CPU ms per event (client + server in this process) | ${L.sustained.cpuMsPerEvent.toFixed(2)} | ${cell(P, (r) => r.sustained.cpuMsPerEvent.toFixed(2))} | |`,
    `| sustained, ${POSTERS} posters, batches of 100: events/s | ${rate(L.sustainedBatch)} | ${cell(P, (r) => rate(r.sustainedBatch))} | |`,
    ...L.reads.map(([name, s], i) => {
      const p = P?.reads[i]?.[1];
      const goal = name.startsWith('latest 100') ? '< 30' : name.startsWith('search') ? '< 100' : '';
      return `| ${name}: p50 / p99 ms (× health) | ${pq(s)} (${ratio(s, L)}) | ${p && P ? `${pq(p)} (${ratio(p, P)})` : 'n/a'} | ${goal} |`;
    }),
    `| GET /api/logbooks/{id} with counts (opening the page) p50 / p99 ms | ${pq(L.open)} | ${cell(P, (r) => pq(r.open))} | |`,
  ];
  lines.push(
    '',
    'What the first runs showed and what changed: (1) a post held the logbook row lock (which makes seq gap-free) ' +
      'across four round trips (bump, insert, idempotency row, COMMIT), so concurrent posters queued behind each ' +
      'other; now the reads come first and one self-committing statement bumps the sequence, inserts the events ' +
      'and claims the key. (2) At 1M events, "timeout error" took 1 s on PostgreSQL: the planner multiplies the ' +
      'frequencies of the two words, expects 355 matches instead of 20,000, and fetches them all through the GIN ' +
      'index to sort them; a search now checks the newest 5,000 events in order first (a materialised step) and ' +
      'asks the index only when they hold less than a page. Still open: the counts returned with a logbook scan ' +
      'its events (the last row), and a filter on a rare category has no index to use (both need a migration).',
  );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await run());
