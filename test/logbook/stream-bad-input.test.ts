import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';
import { SseClient } from './sse.ts';

// Positions beyond any seq (and beyond bigint) come from clients: they must not reach SQL after the
// stream's 200 has gone out, where the only answer left is a dropped connection (which EventSource
// retries for ever with the same Last-Event-ID).
describe.each(dialects)('a live stream asked to resume from an impossible position (%s)', (dialect) => {
  let t: LogbookTestApp;
  let lb: string;
  let base: string;
  const clients: SseClient[] = [];
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    lb = await t.logbookOf('EMB');
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await t.close();
    clients.forEach((c) => c.close());
  });

  it('ignores a Last-Event-ID beyond any seq, as it ignores other ids it did not send', async () => {
    const stream = await SseClient.open(`${base}/api/logbooks/${lb}/stream`, {
      cookie: t.cookies.ada,
      'last-event-id': '99999999999999999999',
    });
    clients.push(stream);
    expect(stream.status).toBe(200);
    const posted = (await t.post(lb, note('after a bad Last-Event-ID'), t.bearer(t.world.bl1Key))).json();
    const msg = await stream.next();
    expect([msg.event, msg.id]).toEqual(['event', String(posted.seq)]);
  });

  it('answers 400 with a code to ?after= beyond any seq', async () => {
    const res = await fetch(`${base}/api/logbooks/${lb}/stream?after=99999999999999999999`, {
      headers: { cookie: t.cookies.ada, accept: 'text/event-stream' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('validation_failed');
  });
});
