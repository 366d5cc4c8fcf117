import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/connect.ts';
import type { Logbook } from './logbooks.ts';
import type { LogbookBus } from './bus.ts';
import { filteredEvents, pageOfEvents, type EventFilter } from './events/read.ts';
import { EVENT_COLUMNS, toEvent, type EventRow } from './events/model.ts';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events for one logbook. Each new event is a message `event: event` with `id: <seq>`;
 * an edit or delete is `event: update` carrying the changed event, with `id:` the highest seq sent
 * so far (so a reconnect resumes correctly). A reconnect with Last-Event-ID (or ?after=) first
 * replays what was missed. Wake-ups from the bus only trigger "fetch what I have not sent", in
 * seq order, so nothing is lost or sent twice whatever the wake-ups do.
 */
export async function streamEvents(
  db: Db,
  bus: LogbookBus,
  logbook: Logbook,
  filter: EventFilter,
  req: FastifyRequest,
  reply: FastifyReply,
  open: Set<() => void>,
): Promise<void> {
  const header = req.headers['last-event-id'];
  const resumeAt = Number(Array.isArray(header) ? header[0] : header);
  // Not a seq we could have sent (beyond 2^53 it would fail in SQL after the 200): ignored.
  let last = Number.isSafeInteger(resumeAt) && resumeAt >= 0 ? resumeAt : (filter.after ?? logbook.lastSeq);
  const changed = new Set<string>();
  let wanted = true;
  let running = false;
  let closed = false;

  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = async (text: string) => {
    if (closed) return;
    if (!out.write(text))
      await new Promise<void>((resolve) => out.once('drain', resolve).once('close', resolve));
  };

  const pump = async () => {
    if (running) return;
    running = true;
    try {
      while (wanted && !closed) {
        wanted = false;
        for (;;) {
          const page = await pageOfEvents(db, logbook, {
            ...filter,
            cursor: undefined,
            limit: 500,
            order: 'asc',
            after: last,
          });
          for (const e of page.items) {
            await send(`id: ${e.seq}\nevent: event\ndata: ${JSON.stringify(e)}\n\n`);
            last = Math.max(last, e.seq);
          }
          if (!page.next) break;
        }
        const ids = [...changed];
        changed.clear();
        if (ids.length > 0) {
          // Only changes of events this stream's filter selects (deleted ones included: that is the change).
          const rows = (await filteredEvents(db, logbook.id, {
            ...filter,
            after: undefined,
            includeDeleted: true,
          })
            .select(EVENT_COLUMNS)
            .where('id', 'in', ids)
            .execute()) as EventRow[];
          for (const r of rows) {
            if (Number(r.seq) <= last)
              await send(`id: ${last}\nevent: update\ndata: ${JSON.stringify(toEvent(r))}\n\n`);
          }
        }
      }
    } catch (err) {
      req.log.warn({ err }, 'logbook stream failed');
      out.destroy();
    } finally {
      running = false;
    }
  };

  const unsubscribe = await bus.subscribe(logbook.id, (signal) => {
    if (signal.eventId) changed.add(signal.eventId);
    wanted = true;
    void pump();
  });
  const heartbeat = setInterval(() => void send(': keep-alive\n\n'), HEARTBEAT_MS);
  // Ended by the client, or by the server shutting down (open streams would keep it from closing).
  const end = () => out.end();
  open.add(end);
  out.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    open.delete(end);
  });
  await send('retry: 2000\n\n');
  await pump();
}
