// The posting side of bench/logbook.ts, run in a child process so that the parent's CPU time is the
// server's alone, as in a deployment where beamline software runs elsewhere. Each of `posters`
// loops posting the next request as soon as the last one is answered (connections kept alive),
// for `seconds`; the parent gets back the count, the latencies' p50/p99 and this process's CPU.
// Requests go by node:http with a keep-alive agent (httpRequest of bench/util.ts), not fetch.
import { randomUUID } from 'node:crypto';
import { httpRequest } from './util.ts';

export interface PosterJob {
  base: string;
  logbookId: string;
  apiKey: string;
  posters: number;
  seconds: number;
  /** Events per request: 1 posts to /events, more to /events:batch; 0 GETs /api/health (the floor). */
  batch: number;
}

export interface PosterReport {
  events: number;
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  /** CPU time of this (client) process, ms. */
  cpuMs: number;
}

const percentile = (s: number[], p: number) =>
  s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;

const eventBody = (i: number) => ({
  content: { format: 'plainText', text: `motor samx moved to ${i}.0 mm, detector frame ${i}` },
  tags: ['motion'],
  clientId: randomUUID(),
});

async function runPosters(job: PosterJob): Promise<PosterReport> {
  const path =
    job.batch === 0
      ? '/api/health'
      : job.batch === 1
        ? `/api/logbooks/${job.logbookId}/events`
        : `/api/logbooks/${job.logbookId}/events:batch`;
  const url = new URL(path, job.base);
  const latencies: number[] = [];
  let n = 0;
  const post = async () => {
    const i = n++;
    const t = performance.now();
    let res: { status: number; text: string };
    if (job.batch === 0) res = await httpRequest(url, 'GET', {});
    else {
      const body = JSON.stringify(
        job.batch === 1
          ? eventBody(i)
          : { events: Array.from({ length: job.batch }, (_, j) => eventBody(i * job.batch + j)) },
      );
      res = await httpRequest(
        url,
        'POST',
        {
          authorization: `Bearer ${job.apiKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'idempotency-key': randomUUID(),
        },
        body,
      );
    }
    if (res.status !== (job.batch === 0 ? 200 : 201)) throw new Error(`${path}: ${res.status} ${res.text}`);
    latencies.push(performance.now() - t);
  };
  // One warm-up request per poster opens its connection.
  await Promise.all(Array.from({ length: job.posters }, post));
  latencies.length = 0;
  process.send?.({ started: true });
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: job.posters }, async () => {
      while (performance.now() - start < job.seconds * 1000) await post();
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return {
    events: latencies.length * Math.max(1, job.batch),
    requests: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMs: (used.user + used.system) / 1000,
  };
}

// Child process: one job from the parent, one report back.
if (process.send) {
  process.once('message', (job: PosterJob) => {
    runPosters(job).then(
      (report) => {
        process.send!({ report }, () => process.exit(0));
      },
      (err: Error) => process.send!({ error: String(err.stack ?? err) }, () => process.exit(1)),
    );
  });
}
