import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';

// The history is the stored earlier revisions plus the event as it is now: read apart, an edit
// committed between the two reads showed one revision twice (or missed one).
describe.each(dialects)('the history of an event read while it is edited (%s)', (dialect) => {
  let t: LogbookTestApp;
  let emb: string;
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    emb = await t.logbookOf('EMB');
  });
  afterAll(() => t.close());

  it('always lists revisions 1..n once each, in order', async () => {
    const e = (await t.post(emb, note('first words'), { cookie: t.cookies.bob })).json() as { id: string };
    const EDITS = 25;
    let editing = true;
    const statuses: number[] = [];
    const edits = (async () => {
      try {
        for (let r = 1; r <= EDITS; r++) {
          const res = await t.app.inject({
            method: 'PATCH',
            url: `/api/events/${e.id}`,
            payload: { content: { format: 'plainText', text: `words ${r}` } },
            headers: { cookie: t.cookies.bob, 'if-match': `"${r}"` },
          });
          statuses.push(res.statusCode);
        }
      } finally {
        editing = false;
      }
    })();
    const seen: number[][] = [];
    while (editing && seen.length < 2000) {
      await new Promise((r) => setImmediate(r));
      const res = await t.app.inject({
        url: `/api/events/${e.id}/revisions`,
        headers: { cookie: t.cookies.ada },
      });
      seen.push((res.json().items as { revision: number }[]).map((v) => v.revision));
    }
    await edits;
    expect(statuses).toEqual(Array(EDITS).fill(200));
    const wrong = seen.filter((list) => list.some((rev, i) => rev !== i + 1));
    expect(wrong).toEqual([]);
    expect(seen.length).toBeGreaterThan(EDITS);
  });
});
