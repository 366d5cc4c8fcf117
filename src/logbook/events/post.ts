import { uuidv7 } from 'uuidv7';
import { isUniqueViolation, type Db } from '../../db/connect.ts';
import type { EventCategory, EventKind, LogbookScope } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { Access } from '../../catalogue/access.ts';
import { assertWritable, findLogbook, knownScope, type Logbook } from '../logbooks.ts';
import type { LogbookBus } from '../bus.ts';
import { renderContent } from '../content.ts';
import type { EventInput } from '../wire.ts';
import { bodyHash } from './hash.ts';
import { EVENT_COLUMNS, toEvent, type EventRow, type StoredAttachment } from './model.ts';
import { writeCombined, writeEvents, type PostResult, type Prepared } from './write.ts';

export type { PostResult } from './write.ts';

export const MAX_BATCH = 1000;

/**
 * Appends events to a logbook, exactly once. Retries are recognised by the request's
 * Idempotency-Key (the stored response is returned; a different body is a 409) or by each event's
 * clientId (the stored event is returned). Seq numbers come from the logbook row, bumped under its
 * row lock: they are gap-free and commit in order, even under concurrency.
 *
 * One statement checks that the caller may write, bumps the sequence and the logbook's counts,
 * inserts the events, claims the key and (on PostgreSQL) wakes live readers. It commits on its own,
 * so the logbook row stays locked for the time that statement runs, not for network round trips
 * between statements: that is what lets many posters share one logbook. A retry, or a concurrent
 * copy of the same request, makes it fail on a unique constraint (key or clientId) before anything
 * commits, seq numbers included; the careful path then answers from the stored copy.
 *
 * A post of new events to a logbook this process knows (the common case: software posting one
 * event after another) is that one statement alone, shared with the caller's other posts to that
 * logbook that arrive meanwhile (writeCombined: group commit). Otherwise, or when it wrote nothing
 * or failed, the careful path runs: look the logbook up (404/403/401 in that order), look for
 * earlier copies, parents and attachments, then the same statement.
 */
export async function postEvents(
  db: Db,
  bus: LogbookBus,
  access: Access,
  logbookId: string,
  inputs: EventInput[],
  idempotency?: { key: string; body: unknown },
): Promise<PostResult> {
  if (inputs.length > MAX_BATCH) {
    throw new AppError('batch_too_large', 413, `A batch holds at most ${MAX_BATCH} events`);
  }
  const now = access.now;
  const key = idempotency && { key: idempotency.key, hash: bodyHash(idempotency.body) };
  // A single post's body is its event: hash it once.
  const hashOf = (input: EventInput) => (key && input === idempotency.body ? key.hash : bodyHash(input));

  const scope = knownScope(db, logbookId);
  if (scope && inputs.every((i) => !i.parentId && !i.attachments?.length)) {
    // Input errors must not come before access errors (a 422 would tell an outsider the logbook
    // exists): on any, the careful path decides.
    let prepared: Prepared[] | undefined;
    try {
      prepared = inputs.map((input) => prepare(access, scope, logbookId, input, now, hashOf));
    } catch {
      prepared = undefined;
    }
    const written =
      prepared &&
      (await writeCombined(db, bus, access, logbookId, { fresh: prepared, slots: prepared, key, now }));
    if (written) return written;
  }
  for (let attempt = 1; ; attempt++) {
    const logbook = await findLogbook(db, access, logbookId);
    assertWritable(logbook, access);
    const prepared = inputs.map((input) => prepare(access, logbook.scope, logbook.id, input, now, hashOf));
    if (key) {
      const prior = await storedResponse(db, logbook.id, key);
      if (prior) return prior;
    }
    try {
      const written = await insertEvents(db, bus, access, logbook, prepared, key, now);
      if (written) return written;
      // Access changed between the look-up and the write (a release, a membership): look again.
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // The winner has committed: the next round finds its response or its clientIds.
    }
    if (attempt >= 5) {
      throw new AppError('logbook_busy', 503, 'The logbook changed under this post five times; retry it');
    }
  }
}

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

/** Validates one input against the caller and logbook, renders its content; no database access. */
function prepare(
  access: Access,
  scope: LogbookScope,
  logbookId: string,
  input: EventInput,
  now: Date,
  hashOf: (input: EventInput) => string,
): Prepared {
  const caller = access.caller;
  const person = caller.kind === 'user';
  const defaultKind: EventKind =
    scope === 'facility' && !input.parentId ? 'broadcast' : person ? 'annotation' : 'notification';
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
  if (kind === 'broadcast' && scope !== 'facility')
    throw new AppError('invalid_kind', 422, 'Broadcasts go to the facility logbook');
  const category: EventCategory = input.category ?? (input.parentId ? 'comment' : 'info');
  const content = renderContent(input.content.format, input.content.text);
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
  if (Number.isNaN(occurredAt.getTime()))
    throw new AppError('invalid_time', 400, 'occurredAt is not a valid date-time');
  return {
    id: uuidv7(),
    logbook_id: logbookId,
    client_id: input.clientId?.toLowerCase() ?? null,
    input_hash: input.clientId ? hashOf(input) : null,
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
    attachments: [],
  };
}

/** The careful path's write: earlier copies by clientId, parents and attachments first. */
async function insertEvents(
  db: Db,
  bus: LogbookBus,
  access: Access,
  logbook: Logbook,
  prepared: Prepared[],
  key: { key: string; hash: string } | undefined,
  now: Date,
): Promise<PostResult | undefined> {
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
  for (const p of fresh) p.attachments = attachments.get(p.id) ?? [];
  return (await writeEvents(db, bus, access, logbook.id, [{ fresh, slots, key, now }]))?.[0];
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
