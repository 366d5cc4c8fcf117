import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';
import { findLogbook } from '../../src/logbook/logbooks.ts';
import { pageOfEvents, type EventFilter } from '../../src/logbook/events/read.ts';
import type { Access } from '../../src/catalogue/access.ts';

type Item = {
  seq: number;
  content: { text: string };
  snippet?: string;
  kind: string;
  category: string;
  tags: string[];
};

describe.each(dialects)('reading, filtering and searching a logbook on %s', (dialect) => {
  let t: LogbookTestApp;
  let lb: string;
  const list = async (query: string) => {
    const res = await t.app.inject({
      url: `/api/logbooks/${lb}/events?${query}`,
      headers: { cookie: t.cookies.ada },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Item[]; next: string | null };
  };
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    lb = await t.logbookOf('EMB');
    const software = [
      note('Alignment of the goniometer finished', { tags: ['alignment'] }),
      note('Detector error: module 3 not responding', { category: 'error', tags: ['detector'] }),
      note('ct 1.0', { category: 'commandLine' }),
      note('debug: ring current 200 mA', { category: 'debug' }),
      note('Scan of crystal <b>A</b> & friends started', { tags: ['scan', 'crystalA'] }),
    ];
    await t.app.inject({
      method: 'POST',
      url: `/api/logbooks/${lb}/events:batch`,
      payload: { events: software },
      headers: t.bearer(t.world.bl1Key),
    });
    await t.post(
      lb,
      {
        content: { format: 'markdown', text: 'The **crystals** diffract well after realignment' },
        tags: ['alignment'],
      },
      { cookie: t.cookies.ada },
    );
  });
  afterAll(() => t.close());

  it('lists events ascending by seq, pages with cursor, and gives the latest page with order=desc', async () => {
    const all = await list('limit=1000');
    expect(all.items.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const first = await list('limit=4');
    expect(first.items.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const second = await list(`limit=4&cursor=${first.next}`);
    expect(second.items.map((e) => e.seq)).toEqual([5, 6]);
    expect(second.next).toBeNull();
    const latest = await list('order=desc&limit=2');
    expect(latest.items.map((e) => e.seq)).toEqual([6, 5]);
    const older = await list(`order=desc&limit=2&cursor=${latest.next}`);
    expect(older.items.map((e) => e.seq)).toEqual([4, 3]);
    expect((await list('after=4')).items.map((e) => e.seq)).toEqual([5, 6]);
  });

  it('filters by kind, category and tag', async () => {
    expect((await list('kind=annotation')).items.map((e) => e.seq)).toEqual([6]);
    expect((await list('category=error')).items.map((e) => e.seq)).toEqual([2]);
    expect((await list('category=error&category=debug')).items.map((e) => e.seq)).toEqual([2, 4]);
    expect((await list('tag=alignment')).items.map((e) => e.seq)).toEqual([1, 6]);
    expect((await list('tag=alignment&kind=notification')).items.map((e) => e.seq)).toEqual([1]);
  });

  it('searches the text with stemming and marks the matched words in a snippet', async () => {
    const hits = await list('q=crystal');
    expect(hits.items.map((e) => e.seq)).toEqual([5, 6]);
    expect(hits.items[1]!.snippet).toContain('<mark>crystals</mark>');
    const aligned = await list(`q=${encodeURIComponent('alignment detector')}`);
    expect(aligned.items).toEqual([]);
    const either = await list(`q=${encodeURIComponent('alignment or detector')}`);
    expect(either.items.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('escapes the text around the marks, so a snippet is safe HTML', async () => {
    const [hit] = (await list('q=scan')).items;
    expect(hit!.snippet).toContain('<mark>Scan</mark>');
    expect(hit!.snippet).toContain('&lt;b&gt;A&lt;/b&gt; &amp; friends');
    expect(hit!.snippet!.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
  });

  it('rejects bad filters with 400', async () => {
    for (const q of ['kind=gossip', 'order=sideways', 'limit=0', 'after=-1', 'cursor=zzz']) {
      const res = await t.app.inject({
        url: `/api/logbooks/${lb}/events?${q}`,
        headers: { cookie: t.cookies.ada },
      });
      expect(res.statusCode, q).toBe(400);
      expect(['validation_failed', 'invalid_cursor']).toContain(res.json().code);
    }
  });

  it('handles search text that is only punctuation or stop words', async () => {
    expect((await list(`q=${encodeURIComponent('the & |')}`)).items).toEqual([]);
    expect((await list(`q=${encodeURIComponent('"unterminated')}`)).items).toEqual([]);
  });

  it('finds the same search hits in the same order whatever the in-order window (both orders, all pages)', async () => {
    const db = t.services.database.db;
    const logbook = await findLogbook(
      db,
      { caller: { kind: 'user', userId: 0, username: 'sam', role: 'staff' }, now: t.clock.now() } as Access,
      lb,
    );
    const walk = async (q: string, order: 'asc' | 'desc', searchWindow: number, extra: EventFilter = {}) => {
      const seqs: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await pageOfEvents(db, logbook, { ...extra, q, order, limit: 1, cursor, searchWindow });
        seqs.push(...page.items.map((e) => e.seq));
        cursor = page.next ?? undefined;
      } while (cursor);
      return seqs;
    };
    for (const order of ['asc', 'desc'] as const) {
      for (const q of ['alignment', 'crystal', 'detector', 'nothing-like-this']) {
        const reference = await walk(q, order, 1000);
        for (const size of [1, 2, 3])
          expect(await walk(q, order, size), `${q} ${order} ${size}`).toEqual(reference);
      }
      const both = order === 'asc' ? [5, 6] : [6, 5];
      expect(await walk('crystal', order, 1)).toEqual(both);
      expect(await walk('crystal', order, 2, { after: 4, before: 6 })).toEqual([5]);
      expect(await walk('crystal', order, 1, { tag: ['alignment'] })).toEqual([6]);
    }
  });
});
