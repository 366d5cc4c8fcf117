import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';
import { startFaultyProxy } from './faulty-proxy.ts';

const EVENTS = 1000;
const SEED = Number(process.env.FAULT_SEED ?? 20260601);

/** Posts one event until the server confirms it, reusing its Idempotency-Key and clientId. */
async function postWithRetries(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  stats: { attempts: number },
) {
  const key = randomUUID();
  for (let attempt = 1; attempt <= 50; attempt++) {
    stats.attempts++;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      const text = await res.text();
      if (res.status === 201) return JSON.parse(text) as { seq: number; id: string };
      if (res.status < 500) throw new Error(`refused: ${res.status} ${text}`);
    } catch (err) {
      if ((err as Error).message.startsWith('refused')) throw err;
      // network error, timeout or cut connection: the event may or may not be stored; retry
    }
    await new Promise((r) => setTimeout(r, 2 * attempt));
  }
  throw new Error('gave up after 50 attempts');
}

// PGlite only: the point is the protocol (keys, clientIds, seq under the lock), which is the same
// SQL on PostgreSQL, where the concurrency tests in posting.test.ts cover the parallel races.
describe('posting through a faulty network', () => {
  let t: LogbookTestApp;
  beforeAll(async () => {
    t = await startLogbookApp('pglite');
  });
  afterAll(() => t.close());

  it('stores exactly 1,000 events, gap-free and in order, despite drops, delays and cut-off answers', async () => {
    const lb = await t.logbookOf('EMB');
    const app = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const proxy = await startFaultyProxy(
      app,
      { drop: 0.05, delay: 0.08, abortAfter: 0.06, late: 0.05, badGateway: 0.03 },
      SEED,
    );
    const stats = { attempts: 0 };
    const started = Date.now();
    try {
      const url = `${proxy.url}/api/logbooks/${lb}/events`;
      for (let i = 1; i <= EVENTS; i++) {
        await postWithRetries(
          url,
          { authorization: `Bearer ${t.world.bl1Key}` },
          note(`reading ${i}`, { clientId: randomUUID() }),
          stats,
        );
      }
      await proxy.settled(); // late duplicates have arrived too
    } finally {
      await proxy.close();
    }
    const seconds = (Date.now() - started) / 1000;
    const rows = await t.services.database.db
      .selectFrom('logbook_event')
      .select(['seq', 'content_text', 'client_id'])
      .where('logbook_id', '=', lb)
      .orderBy('seq')
      .execute();
    expect(rows).toHaveLength(EVENTS);
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    expect(rows.map((r) => r.content_text)).toEqual(
      Array.from({ length: EVENTS }, (_, i) => `reading ${i + 1}`),
    );
    expect(new Set(rows.map((r) => r.client_id)).size).toBe(EVENTS);
    // The faults really happened, including answers lost after the event was stored.
    expect(proxy.counts.abortAfter).toBeGreaterThan(20);
    expect(proxy.counts.drop).toBeGreaterThan(20);
    expect(proxy.counts.late).toBeGreaterThan(20);
    expect(stats.attempts).toBeGreaterThan(EVENTS);
    // About 10 s on an idle 2-core machine; not asserted, since a loaded CI box can be much slower.
    console.log(
      `faults (seed ${SEED}): ${JSON.stringify(proxy.counts)}; ${stats.attempts} attempts in ${seconds.toFixed(1)} s`,
    );
  }, 180_000);
});
