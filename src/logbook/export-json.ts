import { Readable } from 'node:stream';
import type { Db } from '../db/connect.ts';
import type { Logbook } from './logbooks.ts';
import { filteredEvents, type EventFilter } from './events/read.ts';
import { EVENT_COLUMNS, toEvent, type EventRow, type LogbookEvent } from './events/model.ts';

/** Walks the filtered events in seq order, a page at a time, so exports of big logbooks stay flat in memory. */
export async function* eventsInOrder(
  db: Db,
  logbook: Logbook,
  filter: EventFilter,
  pageSize = 1000,
): AsyncGenerator<LogbookEvent> {
  let after = filter.after ?? 0;
  for (;;) {
    const rows = (await filteredEvents(db, logbook.id, { ...filter, after })
      .select(EVENT_COLUMNS)
      .orderBy('seq')
      .limit(pageSize)
      .execute()) as EventRow[];
    for (const r of rows) yield toEvent(r);
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

/** `{logbook, exportedAt, filter, events: [...]}` as a stream. */
export function exportJson(db: Db, logbook: Logbook, filter: EventFilter, now: Date): Readable {
  async function* chunks() {
    const { canWrite: _, ...about } = logbook;
    yield `{"logbook":${JSON.stringify(about)},"exportedAt":${JSON.stringify(now.toISOString())},"filter":${JSON.stringify(filter)},"events":[`;
    let first = true;
    for await (const e of eventsInOrder(db, logbook, filter)) {
      yield `${first ? '' : ','}\n${JSON.stringify(e)}`;
      first = false;
    }
    yield '\n]}\n';
  }
  return Readable.from(chunks());
}
