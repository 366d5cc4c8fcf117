import { diffWords } from 'diff';
import type { Db } from '../../db/connect.ts';
import type { ContentFormat, EventCategory } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { Access } from '../../catalogue/access.ts';
import { findEvent } from './read.ts';

export interface Revision {
  revision: number;
  category: EventCategory;
  tags: string[];
  content: { format: ContentFormat; text: string; html: string };
  deleted: boolean;
  author: string | null;
  at: string;
}

/** Every version of an event, oldest first: the stored earlier ones, then the current one. */
export async function listRevisions(db: Db, access: Access, id: string): Promise<Revision[]> {
  // One snapshot for both reads: an edit committed between them showed a revision twice.
  const { event, earlier } = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => ({
      event: (await findEvent(tx, access, id)).event,
      earlier: await tx
        .selectFrom('logbook_event_revision')
        .selectAll()
        .where('event_id', '=', id)
        .orderBy('revision')
        .execute(),
    }));
  const versions: Revision[] = earlier.map((r) => ({
    revision: r.revision,
    category: r.category,
    tags: r.tags,
    content: { format: r.content_format, text: r.content_text, html: r.content_html },
    deleted: r.deleted,
    author: r.author,
    at: new Date(r.at).toISOString(),
  }));
  versions.push({
    revision: event.revision,
    category: event.category,
    tags: event.tags,
    content: { format: event.content_format, text: event.content_text, html: event.content_html },
    deleted: event.deleted_at !== null,
    author: event.edited_by ?? event.author,
    at: new Date(event.edited_at ?? event.received_at).toISOString(),
  });
  return versions;
}

export interface Diff {
  from: number;
  to: number;
  parts: { value: string; added: boolean; removed: boolean }[];
}

/** Word-level difference between the texts of two revisions. */
export async function diffRevisions(
  db: Db,
  access: Access,
  id: string,
  from: number,
  to: number,
): Promise<Diff> {
  const versions = await listRevisions(db, access, id);
  const pick = (n: number) => {
    const v = versions.find((r) => r.revision === n);
    if (!v)
      throw new AppError(
        'revision_not_found',
        404,
        `Event ${id} has revisions 1 to ${versions.length}, not ${n}`,
      );
    return v.content.text;
  };
  const parts = diffWords(pick(from), pick(to)).map((c) => ({
    value: c.value,
    added: Boolean(c.added),
    removed: Boolean(c.removed),
  }));
  return { from, to, parts };
}
