import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db } from '../../db/connect.ts';
import type { EventCategory, EventKind } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { Access } from '../../catalogue/access.ts';
import type { Logbook } from '../logbooks.ts';
import { renderContent } from '../content.ts';
import type { EventInput } from '../wire.ts';
import { bodyHash } from './hash.ts';
import { EVENT_COLUMNS, toEvent, type EventRow, type LogbookEvent, type StoredAttachment } from './model.ts';

export const MAX_BATCH = 1000;

export interface PostResult {
  events: LogbookEvent[];
  /** True when the answer is the stored one of an earlier request (nothing new was written). */
  replayed: boolean;
}

/**
 * Appends events to a logbook, exactly once. Retries are recognised by the request's
 * Idempotency-Key (the stored response is returned; a different body is a 409) or by each event's
 * clientId (the stored event is returned). Seq numbers come from the logbook row, bumped under its
 * row lock: they are gap-free and commit in order, even under concurrency.
 *
 * Everything that only reads (earlier copies, parents, attachments) happens first; then one
 * statement bumps the sequence, inserts the events and claims the key. It commits on its own, so
 * the logbook row stays locked for the time that statement runs, not for network round trips
 * between statements: that is what lets many posters share one logbook. A concurrent copy of the
 * same request makes the statement fail on a unique constraint (key or clientId) before anything
 * commits, seq numbers included; it then answers from the winner.
 */
export async function postEvents(
  db: Db,
  access: Access,
  logbook: Logbook,
  inputs: EventInput[],
  idempotency?: { key: string; body: unknown },
): Promise<PostResult> {
  if (inputs.length > MAX_BATCH) {
    throw new AppError('batch_too_large', 413, `A batch holds at most ${MAX_BATCH} events`);
  }
  const now = access.now;
  const prepared = inputs.map((input) => prepare(access, logbook, input, now));
  const key = idempotency && { key: idempotency.key, hash: bodyHash(idempotency.body) };
  for (let attempt = 1; ; attempt++) {
    if (key) {
      const prior = await storedResponse(db, logbook.id, key);
      if (prior) return prior;
    }
    try {
      return await insertEvents(db, logbook, prepared, key, now);
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 5) throw err;
      // The winner has committed: the next round finds its response or its clientIds.
    }
  }
}

const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505';

async function storedResponse(
  db: Db,
  logbookId: string,
  key: { key: string; hash: string },
): Promise<PostResult | undefined> {
  const prior = await db
    .selectFrom('logbook_idempotency')
    .select(['body_hash', 'response'])
    .where('logbook_id', '=', logbookId)
    .where('key', '=', key.key)
    .executeTakeFirst();
  if (!prior) return undefined;
  if (prior.body_hash !== key.hash) {
    throw new AppError(
      'idempotency_key_reused',
      409,
      'This Idempotency-Key was used with a different request body',
    );
  }
  // The response is stored as the ids of the events it answered with, in order.
  const ids = prior.response as string[];
  const rows = (await db
    .selectFrom('logbook_event')
    .select(EVENT_COLUMNS)
    .where('id', 'in', ids)
    .execute()) as EventRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { events: ids.map((id) => toEvent(byId.get(id)!)), replayed: true };
}

type Prepared = Omit<
  EventRow,
  'seq' | 'revision' | 'edited_at' | 'edited_by' | 'deleted_at' | 'attachments'
> & {
  wantedAttachments: { sha256: string; name?: string }[];
};

/** Validates one input against the caller and logbook, renders its content; no database access. */
function prepare(access: Access, logbook: Logbook, input: EventInput, now: Date): Prepared {
  const caller = access.caller;
  const person = caller.kind === 'user';
  const defaultKind: EventKind =
    logbook.scope === 'facility' && !input.parentId ? 'broadcast' : person ? 'annotation' : 'notification';
  const kind = input.kind ?? defaultKind;
  if (kind === 'annotation' && !person)
    throw new AppError(
      'invalid_kind',
      422,
      'Annotations are written by people; software posts notifications',
    );
  if (kind === 'notification' && person)
    throw new AppError(
      'invalid_kind',
      422,
      'Notifications come from software (API keys); people write annotations',
    );
  if (kind === 'broadcast' && logbook.scope !== 'facility')
    throw new AppError('invalid_kind', 422, 'Broadcasts go to the facility logbook');
  const category: EventCategory = input.category ?? (input.parentId ? 'comment' : 'info');
  const content = renderContent(input.content.format, input.content.text);
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
  if (Number.isNaN(occurredAt.getTime()))
    throw new AppError('invalid_time', 400, 'occurredAt is not a valid date-time');
  return {
    id: uuidv7(),
    logbook_id: logbook.id,
    client_id: input.clientId?.toLowerCase() ?? null,
    input_hash: input.clientId ? bodyHash(input) : null,
    kind,
    category,
    source: caller.kind === 'user' ? caller.username : caller.kind === 'apikey' ? caller.name : 'anonymous',
    author: person ? caller.username : (input.author ?? null),
    author_user_id: person ? caller.userId : null,
    occurred_at: occurredAt,
    received_at: now,
    parent_id: input.parentId?.toLowerCase() ?? null,
    tags: [...new Set(input.tags ?? [])],
    dataset_ids: [...new Set(input.datasetIds ?? [])],
    content_format: content.format,
    content_text: content.text,
    content_html: content.html,
    plain_text: content.plain,
    wantedAttachments: input.attachments ?? [],
  };
}

/** Columns the single insert statement writes, in the order of its record type. */
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
  ord: 'integer',
} as const;

async function insertEvents(
  db: Db,
  logbook: Logbook,
  prepared: Prepared[],
  key: { key: string; hash: string } | undefined,
  now: Date,
): Promise<PostResult> {
  const withClientId = prepared.filter((p) => p.client_id !== null);
  const existing = new Map<string, EventRow>();
  if (withClientId.length > 0) {
    const rows = (await db
      .selectFrom('logbook_event')
      .select(EVENT_COLUMNS)
      .where('logbook_id', '=', logbook.id)
      .where(
        'client_id',
        'in',
        withClientId.map((p) => p.client_id!),
      )
      .execute()) as EventRow[];
    for (const r of rows) existing.set(r.client_id!, r);
  }
  const fresh: Prepared[] = [];
  const freshByClient = new Map<string, Prepared>();
  const slots: (EventRow | Prepared)[] = prepared.map((p) => {
    if (p.client_id === null) return (fresh.push(p), p);
    const seen = existing.get(p.client_id) ?? freshByClient.get(p.client_id);
    if (seen) {
      if (seen.input_hash !== p.input_hash) {
        throw new AppError('client_id_reused', 409, `clientId ${p.client_id} was used for a different event`);
      }
      return seen;
    }
    freshByClient.set(p.client_id, p);
    fresh.push(p);
    return p;
  });
  if (fresh.length === 0) return { events: slots.map((s) => toEvent(s as EventRow)), replayed: true };

  await checkParents(db, logbook, fresh);
  const attachments = await resolveAttachments(db, logbook, fresh);
  const records = fresh.map(({ wantedAttachments: _, logbook_id: __, ...p }, i) => ({
    ...p,
    occurred_at: p.occurred_at.toISOString(),
    received_at: p.received_at.toISOString(),
    attachments: attachments.get(p.id) ?? [],
    ord: i + 1,
  }));
  const columns = Object.keys(INSERT_COLUMNS).filter((c) => c !== 'ord');
  const recordType = sql.raw(
    Object.entries(INSERT_COLUMNS)
      .map(([c, t]) => `${c} ${t}`)
      .join(', '),
  );
  const n = fresh.length;
  const claim = key
    ? sql`, claim AS (
        INSERT INTO logbook_idempotency (logbook_id, key, body_hash, created_at, response)
        VALUES (${logbook.id}, ${key.key}, ${key.hash}, ${now}, ${JSON.stringify(slots.map((s) => s.id))}::jsonb)
      )`
    : sql``;
  // No ON CONFLICT: a clientId or key stored meanwhile fails the whole statement, seq bump included.
  const { rows } = await sql<EventRow>`
    WITH bumped AS (
      UPDATE logbook SET last_seq = last_seq + ${n} WHERE id = ${logbook.id} RETURNING last_seq - ${n} AS base
    ), inserted AS (
      INSERT INTO logbook_event (logbook_id, seq, ${sql.raw(columns.join(', '))})
      SELECT ${logbook.id}, bumped.base + r.ord, ${sql.raw(columns.map((c) => `r.${c}`).join(', '))}
      FROM bumped, jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS r(${recordType})
      RETURNING ${sql.raw(EVENT_COLUMNS.join(', '))}
    )${claim}
    SELECT * FROM inserted`.execute(db);
  if (rows.length !== n) throw new Error(`logbook ${logbook.id} is missing; inserted ${rows.length} of ${n}`);
  const inserted = new Map(rows.map((r) => [r.id, r]));
  return {
    events: slots.map((s) => toEvent(inserted.get(s.id) ?? (s as EventRow))),
    replayed: false,
  };
}

/** Comments attach to live events of the same logbook. */
async function checkParents(tx: Db, logbook: Logbook, fresh: Prepared[]): Promise<void> {
  const parents = [...new Set(fresh.map((p) => p.parent_id).filter((x): x is string => x !== null))];
  if (parents.length === 0) return;
  const found = await tx
    .selectFrom('logbook_event')
    .select('id')
    .where('logbook_id', '=', logbook.id)
    .where('id', 'in', parents)
    .where('deleted_at', 'is', null)
    .execute();
  const ok = new Set(found.map((r) => r.id));
  const missing = parents.find((p) => !ok.has(p));
  if (missing)
    throw new AppError('parent_not_found', 422, `No event ${missing} in this logbook to comment on`);
}

async function resolveAttachments(
  tx: Db,
  logbook: Logbook,
  fresh: Prepared[],
): Promise<Map<string, StoredAttachment[]>> {
  const out = new Map<string, StoredAttachment[]>();
  const wanted = [...new Set(fresh.flatMap((p) => p.wantedAttachments.map((a) => a.sha256)))];
  if (wanted.length === 0) return out;
  const rows = await tx
    .selectFrom('logbook_attachment')
    .selectAll()
    .where('logbook_id', '=', logbook.id)
    .where('sha256', 'in', wanted)
    .execute();
  const bySha = new Map(rows.map((r) => [r.sha256, r]));
  for (const p of fresh) {
    out.set(
      p.id,
      p.wantedAttachments.map((a) => {
        const r = bySha.get(a.sha256);
        if (!r)
          throw new AppError(
            'attachment_not_found',
            422,
            `Upload attachment ${a.sha256} to this logbook first`,
          );
        return {
          sha256: r.sha256,
          name: a.name ?? r.name,
          mediaType: r.media_type,
          size: Number(r.size),
          thumbnail: r.thumbnail,
          width: r.width,
          height: r.height,
        };
      }),
    );
  }
  return out;
}
