import type { Selectable } from 'kysely';
import type { ContentFormat, EventCategory, EventKind, LogbookEventTable } from '../../db/schema.ts';

/** An attachment as stored on an event (the metadata is copied from the upload at post time). */
export interface StoredAttachment {
  sha256: string;
  name: string;
  mediaType: string;
  size: number;
  thumbnail: boolean;
  width: number | null;
  height: number | null;
}

export interface Attachment extends StoredAttachment {
  url: string;
  thumbnailUrl: string | null;
}

export interface LogbookEvent {
  id: string;
  logbookId: string;
  seq: number;
  clientId: string | null;
  kind: EventKind;
  category: EventCategory;
  source: string;
  author: string | null;
  occurredAt: string;
  receivedAt: string;
  parentId: string | null;
  tags: string[];
  datasetIds: string[];
  attachments: Attachment[];
  content: { format: ContentFormat; text: string; html: string };
  revision: number;
  editable: boolean;
  editedAt: string | null;
  editedBy: string | null;
  deletedAt: string | null;
  snippet?: string;
}

/** Columns every event read selects (everything but the tsvector). */
export const EVENT_COLUMNS = [
  'id',
  'logbook_id',
  'seq',
  'client_id',
  'input_hash',
  'kind',
  'category',
  'source',
  'author',
  'author_user_id',
  'occurred_at',
  'received_at',
  'parent_id',
  'tags',
  'dataset_ids',
  'attachments',
  'content_format',
  'content_text',
  'content_html',
  'plain_text',
  'revision',
  'edited_at',
  'edited_by',
  'deleted_at',
] as const;

export type EventRow = Omit<Selectable<LogbookEventTable>, 'search'>;

export const attachmentUrl = (logbookId: string, sha256: string) =>
  `/api/logbooks/${logbookId}/attachments/${sha256}`;

export function withUrls(logbookId: string, a: StoredAttachment): Attachment {
  const url = attachmentUrl(logbookId, a.sha256);
  return { ...a, url, thumbnailUrl: a.thumbnail ? `${url}/thumbnail` : null };
}

const iso = (d: Date | string) => new Date(d).toISOString();

export function toEvent(r: EventRow): LogbookEvent {
  return {
    id: r.id,
    logbookId: r.logbook_id,
    seq: Number(r.seq),
    clientId: r.client_id,
    kind: r.kind,
    category: r.category,
    source: r.source,
    author: r.author,
    occurredAt: iso(r.occurred_at),
    receivedAt: iso(r.received_at),
    parentId: r.parent_id,
    tags: r.tags,
    datasetIds: r.dataset_ids,
    attachments: (r.attachments as StoredAttachment[]).map((a) => withUrls(r.logbook_id, a)),
    content: { format: r.content_format, text: r.content_text, html: r.content_html },
    revision: r.revision,
    editable: r.author_user_id !== null,
    editedAt: r.edited_at ? iso(r.edited_at) : null,
    editedBy: r.edited_by,
    deletedAt: r.deleted_at ? iso(r.deleted_at) : null,
  };
}
