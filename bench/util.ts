import { execFileSync } from 'node:child_process';
import http from 'node:http';
import pg from 'pg';

/** p-th percentile (0-100) of samples in milliseconds. */
export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

export const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

/** Times `fn` `n` times after `warmup` runs; returns the samples in ms. */
export async function timeIt(n: number, fn: (i: number) => Promise<unknown>, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

/** BENCH_DATABASE_URL or TEST_DATABASE_URL, else the local server scripts/start-postgres.sh starts. */
export function postgresServerUrl(): string | undefined {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (url) return url;
  try {
    return execFileSync('bash', ['scripts/start-postgres.sh'], { encoding: 'utf8' }).trim().split('\n').pop();
  } catch {
    return undefined;
  }
}

/**
 * A PostgreSQL database of its own for a benchmark: BENCH_DATABASE_URL or TEST_DATABASE_URL, else the
 * local server that scripts/start-postgres.sh starts. Returns undefined when none can be had.
 */
export async function benchPostgres(name: string): Promise<string | undefined> {
  const url = postgresServerUrl();
  if (!url) return undefined;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url!);
  u.pathname = `/${name}`;
  return u.toString();
}

export const machine = () =>
  `Node ${process.version}, ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores`;

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One HTTP request over a keep-alive connection; resolves with the status and body text. Load clients
 * use node:http rather than fetch: it costs the client about a third of fetch's CPU, which matters
 * when client, server and database share two cores.
 */
export function httpRequest(
  url: URL,
  method = 'GET',
  headers: http.OutgoingHttpHeaders = {},
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: keepAlive }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A GET of `path` on `server` over a keep-alive connection whose body is read and dropped; resolves
 * with the status (no URL parsed per request). For load clients that check nothing else: decoding a
 * body they do not look at (a page of PaNOSC documents with datasets is ~30 KB) costs CPU on the
 * cores the server uses.
 */
export function httpStatus(server: URL, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: server.hostname, port: server.port, path, agent: keepAlive }, (res) => {
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
      res.resume();
    });
    req.on('error', reject);
  });
}
