import { sql } from 'kysely';
import { isUniqueViolation, type Db } from '../../db/connect.ts';
import type { EventKind } from '../../db/schema.ts';
import type { Access } from '../../catalogue/access.ts';
import { logbookWritableNow } from '../logbooks.ts';
import type { LogbookBus } from '../bus.ts';
import { EVENT_COLUMNS, toEvent, type EventRow, type LogbookEvent, type StoredAttachment } from './model.ts';

/** An event ready to insert: validated, rendered, with its id (no seq yet). */
export type Prepared = Omit<
  EventRow,
  'seq' | 'revision' | 'edited_at' | 'edited_by' | 'deleted_at' | 'attachments'
> & {
  wantedAttachments: { sha256: string; name?: string }[];
  /** Resolved from wantedAttachments before writing. */
  attachments: StoredAttachment[];
};

/** What one post writes: its new events, its answer in request order (new events and earlier copies), its key. */
export interface Write {
  fresh: Prepared[];
  slots: (EventRow | Prepared)[];
  key?: { key: string; hash: string };
  now: Date;
}

export interface PostResult {
  events: LogbookEvent[];
  /** True when the answer is the stored one of an earlier request (nothing new was written). */
  replayed: boolean;
}

/** Columns the insert writes, in the order of its record type. */
const INSERT_COLUMNS = {
  id: 'uuid',
  client_id: 'uuid',
  input_hash: 'text',
  kind: 'text',
  category: 'text',
  source: 'text',
  author: 'text',
  author_user_id: 'bigint',
  occurred_at: 'timestamptz',
  received_at: 'timestamptz',
  parent_id: 'uuid',
  tags: 'text[]',
  dataset_ids: 'text[]',
  attachments: 'jsonb',
  content_format: 'text',
  content_text: 'text',
  content_html: 'text',
  plain_text: 'text',
} as const;
const COLUMNS = Object.keys(INSERT_COLUMNS);
const INSERT_LIST = sql.raw(COLUMNS.join(', '));
const RECORD_LIST = sql.raw(COLUMNS.map((c) => `r.${c}`).join(', '));
const RECORD_TYPE = sql.raw(
  `${Object.entries(INSERT_COLUMNS)
    .map(([c, t]) => `${c} ${t}`)
    .join(', ')}, ord integer`,
);
const RETURNING = sql.raw(EVENT_COLUMNS.join(', '));

/**
 * The one statement of a post (or of several posts of one caller to one logbook): if the caller may
 * write to the logbook now, bumps its sequence and counts, inserts the events, claims the keys and
 * (on PostgreSQL) wakes live readers; undefined when the caller may not (or the logbook is gone) and
 * nothing was written. No ON CONFLICT: a clientId or key stored meanwhile fails the whole
 * statement, seq bump included. One result per write, in order.
 */
export async function writeEvents(
  db: Db,
  bus: LogbookBus,
  access: Access,
  logbookId: string,
  writes: Write[],
): Promise<PostResult[] | undefined> {
  const fresh = writes.flatMap((w) => w.fresh);
  const n = fresh.length;
  const records = fresh.map(({ wantedAttachments: _, logbook_id: __, ...p }, i) => ({
    ...p,
    occurred_at: p.occurred_at.toISOString(),
    received_at: p.received_at.toISOString(),
    ord: i + 1,
  }));
  const counted = (kind: EventKind) => fresh.filter((p) => p.kind === kind).length;
  const claims = writes.flatMap((w) =>
    w.key
      ? [{ key: w.key.key, body_hash: w.key.hash, created_at: w.now, response: w.slots.map((s) => s.id) }]
      : [],
  );
  const claim =
    claims.length > 0
      ? sql`, claim AS (
          INSERT INTO logbook_idempotency (logbook_id, key, body_hash, created_at, response)
          SELECT ${logbookId}, c.key, c.body_hash, c.created_at, c.response
          FROM bumped, jsonb_to_recordset(${JSON.stringify(claims)}::jsonb)
            AS c(key text, body_hash text, created_at timestamptz, response jsonb)
        )`
      : sql``;
  const signal = { logbookId };
  const publish = bus.publishSql?.(signal);
  const { rows } = await sql<EventRow>`
    WITH bumped AS (
      UPDATE logbook SET last_seq = last_seq + ${n},
        live_events = live_events + ${n},
        live_annotations = live_annotations + ${counted('annotation')},
        live_notifications = live_notifications + ${counted('notification')},
        live_broadcasts = live_broadcasts + ${counted('broadcast')},
        live_comments = live_comments + ${fresh.filter((p) => p.parent_id !== null).length}
      WHERE id = ${logbookId} AND ${logbookWritableNow(access, logbookId)}
      RETURNING last_seq - ${n} AS base${publish ? sql`, ${publish} AS published` : sql``}
    ), inserted AS (
      INSERT INTO logbook_event (logbook_id, seq, ${INSERT_LIST})
      SELECT ${logbookId}, bumped.base + r.ord, ${RECORD_LIST}
      FROM bumped, jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS r(${RECORD_TYPE})
      RETURNING ${RETURNING}
    )${claim}
    SELECT * FROM inserted`.execute(db);
  if (rows.length === 0) return undefined;
  if (rows.length !== n) throw new Error(`logbook ${logbookId}: inserted ${rows.length} of ${n} events`);
  if (!publish) await bus.publish(signal); // in-process: cannot fail
  const inserted = new Map(rows.map((r) => [r.id, r]));
  return writes.map((w) => ({
    events: w.slots.map((s) => toEvent(inserted.get(s.id) ?? (s as EventRow))),
    replayed: false,
  }));
}

/** Most events one combined statement carries. */
const MAX_COMBINED = 1000;

interface Queued {
  access: Access;
  write: Write;
  done(result: PostResult | undefined, err?: unknown): void;
}
const queues = new WeakMap<Db, Map<string, Queued[]>>();

/**
 * Group commit for posts of one caller to one logbook. Posts to a logbook serialise on its row lock
 * until their commit is durable (a WAL flush: ~3 ms on this machine's disk, so ~350 commits/s
 * however fast the rest is). A post arriving while one of its caller's statements for that logbook
 * is running waits for it, then goes with all others that waited, in one statement: seq numbers
 * stay gap-free and in arrival order, each post gets its own answer after the commit, and an idle
 * logbook adds no wait. Resolves undefined when the post must take the careful path instead: the
 * caller may not write (then the careful path says why), or the combined statement failed (a retry
 * among them hit a unique constraint; each then goes alone, so one post's error is its own).
 */
export function writeCombined(
  db: Db,
  bus: LogbookBus,
  access: Access,
  logbookId: string,
  write: Write,
): Promise<PostResult | undefined> {
  let byGroup = queues.get(db);
  if (!byGroup) queues.set(db, (byGroup = new Map()));
  const group = `${logbookId} ${JSON.stringify(access.caller)}`;
  return new Promise((resolve, reject) => {
    const queued: Queued = { access, write, done: (r, err) => (err ? reject(err) : resolve(r)) };
    const queue = byGroup.get(group);
    if (queue) return void queue.push(queued);
    const started = [queued];
    byGroup.set(group, started);
    void drain(db, bus, logbookId, started, () => byGroup.delete(group));
  });
}

async function drain(
  db: Db,
  bus: LogbookBus,
  logbookId: string,
  queue: Queued[],
  finished: () => void,
): Promise<void> {
  for (;;) {
    // Checked and forgotten in one tick: a post arriving later starts a new queue.
    if (queue.length === 0) return void finished();
    const take = [queue.shift()!];
    let n = take[0]!.write.fresh.length;
    while (queue.length > 0 && n + queue[0]!.write.fresh.length <= MAX_COMBINED) {
      n += queue[0]!.write.fresh.length;
      take.push(queue.shift()!);
    }
    try {
      // Same caller; `now` differs by the milliseconds they waited, the latest is the truest.
      const access = take[take.length - 1]!.access;
      const results = await writeEvents(
        db,
        bus,
        access,
        logbookId,
        take.map((q) => q.write),
      );
      take.forEach((q, i) => q.done(results?.[i]));
    } catch (err) {
      if (take.length > 1 || isUniqueViolation(err)) take.forEach((q) => q.done(undefined));
      else take[0]!.done(undefined, err);
    }
  }
}
