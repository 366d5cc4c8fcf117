import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';

// Posts of one caller to a logbook this process knows take one statement, shared by the posts that
// arrive while it runs (group commit). These tests hold that path to the rules of every post.
describe.each(dialects)('posts sharing a statement on %s', (dialect) => {
  let t: LogbookTestApp;
  let emb: string;
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    emb = await t.logbookOf('EMB');
  });
  afterAll(() => t.close());

  const lastSeq = async () =>
    (await t.app.inject({ url: `/api/logbooks/${emb}`, headers: { cookie: t.cookies.sam } })).json()
      .lastSeq as number;

  it('answers each of many concurrent posts with its own event, seq gap-free in one run', async () => {
    const before = await lastSeq();
    const sent = Array.from({ length: 20 }, (_, i) => ({ ...note(`reading ${i}`), clientId: randomUUID() }));
    const results = await Promise.all(
      sent.map((body) => t.post(emb, body, { ...t.bearer(t.world.bl1Key), 'idempotency-key': randomUUID() })),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    results.forEach((r, i) => {
      expect(r.json().content.text).toBe(sent[i]!.content.text);
      expect(r.json().clientId).toBe(sent[i]!.clientId);
    });
    const seqs = results.map((r) => r.json().seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => before + 1 + i));
    expect(await lastSeq()).toBe(before + 20);
    if (dialect === 'postgres') {
      // Rows written by one statement share its transaction id: fewer transactions than posts.
      const ids = results.map((r) => r.json().id as string);
      const tx = await sql<{ n: number }>`SELECT count(DISTINCT xmin::text)::int AS n FROM logbook_event
        WHERE id = ANY(${ids}::uuid[])`.execute(t.services.database.db);
      expect(tx.rows[0]!.n).toBeLessThan(20);
    }
  });

  it('keeps retries and reused keys among concurrent posts to their own answers', async () => {
    const key = randomUUID();
    const headers = (k: string) => ({ ...t.bearer(t.world.bl1Key), 'idempotency-key': k });
    const original = (await t.post(emb, note('scan 40 started'), headers(key))).json();
    const before = await lastSeq();
    const [retry, reused, ...fresh] = await Promise.all([
      t.post(emb, note('scan 40 started'), headers(key)),
      t.post(emb, note('scan 41 started'), headers(key)),
      ...Array.from({ length: 10 }, (_, i) => t.post(emb, note(`frame ${i}`), headers(randomUUID()))),
    ]);
    expect(retry!.statusCode).toBe(201);
    expect(retry!.json()).toEqual(original);
    expect(retry!.headers['idempotent-replayed']).toBe('true');
    expect(reused!.statusCode).toBe(409);
    expect(reused!.json().code).toBe('idempotency_key_reused');
    expect(fresh.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
    const seqs = fresh.map((r) => r.json().seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => before + 1 + i));
    expect(await lastSeq()).toBe(before + 10);
  });

  it('refuses a post to a known logbook the caller may no longer write to, with the careful answer', async () => {
    expect((await t.post(emb, note('still running'), t.bearer(t.world.bl1Key))).statusCode).toBe(201);
    t.clock.set('2030-01-01T00:00:00Z'); // past EMB's release date: frozen
    try {
      const res = await t.post(emb, note('too late'), t.bearer(t.world.bl1Key));
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('logbook_frozen');
    } finally {
      t.clock.set('2026-06-01T00:00:00Z');
    }
  });

  it('tells an outsider nothing about a known logbook, not even that the input is wrong', async () => {
    for (const body of [note('x'), note('x', { kind: 'broadcast' }), note('y'.repeat(70_000))]) {
      const res = await t.post(emb, body, { cookie: t.cookies.eve });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('logbook_not_found');
    }
    const wrongKey = await t.post(emb, note('x'), t.bearer(t.world.bl2Key));
    expect(wrongKey.json().code).toBe('logbook_not_found');
  });
});
