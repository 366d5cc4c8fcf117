import type { Updateable } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { LogbookEventTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { isPrivileged } from '../../auth/caller.ts';
import type { Access } from '../../catalogue/access.ts';
import { assertWritable } from '../logbooks.ts';
import { renderContent } from '../content.ts';
import type { EditInput } from '../wire.ts';
import { findEvent } from './read.ts';
import { EVENT_COLUMNS, toEvent, type EventRow, type LogbookEvent } from './model.ts';

/** Parses `If-Match: "3"` (or `3`, or `W/"3"`) into a revision number. */
export function parseIfMatch(header: string | string[] | undefined): number {
  if (header === undefined) {
    throw new AppError(
      'if_match_required',
      428,
      'Send If-Match: "<revision>" (the event\'s ETag) to change an event',
    );
  }
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(Array.isArray(header) ? (header[0] ?? '') : header);
  if (!m) throw new AppError('invalid_if_match', 400, 'If-Match must be the event\'s ETag, e.g. "3"');
  return Number(m[1]);
}

/** Who may change an event: its author or staff, in a logbook they may still write; never software's. */
async function authorise(db: Db, access: Access, id: string) {
  const { event, logbook } = await findEvent(db, access, id);
  assertWritable(logbook, access);
  if (event.author_user_id === null) {
    throw new AppError(
      'event_immutable',
      409,
      'Notifications posted by software cannot be changed; comment on them instead',
    );
  }
  const caller = access.caller;
  if (caller.kind !== 'user' || (caller.userId !== Number(event.author_user_id) && !isPrivileged(caller))) {
    throw new AppError('not_event_author', 403, 'Only the author (or facility staff) may change this event');
  }
  if (event.deleted_at) throw new AppError('event_deleted', 409, 'This event has been deleted');
}

/**
 * Applies a change as a new revision, if the caller saw the current one: the row is locked, the
 * previous version copied into the history, then updated. Two editors sending the same If-Match
 * serialise on the row lock; the second finds a newer revision and gets 412 with it. A delete also
 * moves the event from the logbook's live counts to its deleted count, in the same transaction.
 * The lock is FOR NO KEY UPDATE: a post commenting on this event (which holds the logbook row and
 * key-share locks its parent) is not blocked by it, so it cannot deadlock with the count update.
 */
async function revise(
  db: Db,
  access: Access,
  id: string,
  expected: number,
  change: () => Updateable<LogbookEventTable>,
  deleting = false,
): Promise<LogbookEvent> {
  await authorise(db, access, id);
  const who = access.caller.kind === 'user' ? access.caller.username : 'unknown';
  return db.transaction().execute(async (tx) => {
    const current = (await tx
      .selectFrom('logbook_event')
      .select(EVENT_COLUMNS)
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirstOrThrow()) as EventRow;
    if (current.revision !== expected) {
      throw new AppError(
        'revision_mismatch',
        412,
        `The event is at revision ${current.revision}, not ${expected}; reload it and edit again`,
        {
          current: toEvent(current),
        },
      );
    }
    if (current.deleted_at) throw new AppError('event_deleted', 409, 'This event has been deleted');
    await tx
      .insertInto('logbook_event_revision')
      .values({
        event_id: id,
        revision: current.revision,
        category: current.category,
        tags: current.tags,
        content_format: current.content_format,
        content_text: current.content_text,
        content_html: current.content_html,
        deleted: false,
        author: current.edited_by ?? current.author,
        at: current.edited_at ?? current.received_at,
      })
      .execute();
    const updated = (await tx
      .updateTable('logbook_event')
      .set({ ...change(), revision: current.revision + 1, edited_at: access.now, edited_by: who })
      .where('id', '=', id)
      .returning(EVENT_COLUMNS)
      .executeTakeFirstOrThrow()) as EventRow;
    if (deleting) {
      const kindCount = `live_${current.kind}s` as const;
      await tx
        .updateTable('logbook')
        .set((eb) => ({
          live_events: eb('live_events', '-', 1),
          [kindCount]: eb(kindCount, '-', 1),
          live_comments: eb('live_comments', '-', current.parent_id === null ? 0 : 1),
          deleted_events: eb('deleted_events', '+', 1),
        }))
        .where('id', '=', current.logbook_id)
        .execute();
    }
    return toEvent(updated);
  });
}

export function editEvent(
  db: Db,
  access: Access,
  id: string,
  expected: number,
  input: EditInput,
): Promise<LogbookEvent> {
  const content = input.content && renderContent(input.content.format, input.content.text);
  return revise(db, access, id, expected, () => ({
    ...(content
      ? {
          content_format: content.format,
          content_text: content.text,
          content_html: content.html,
          plain_text: content.plain,
        }
      : {}),
    ...(input.tags ? { tags: [...new Set(input.tags)] } : {}),
    ...(input.category ? { category: input.category } : {}),
  }));
}

/** Soft delete: the event stays (and its history), marked deleted in a new revision. */
export function deleteEvent(db: Db, access: Access, id: string, expected: number): Promise<LogbookEvent> {
  return revise(db, access, id, expected, () => ({ deleted_at: access.now }), true);
}
