import type { ColumnType } from 'kysely';
import type { Counter, CreatedAt, Defaulted, OptionalTime, TextArray, Timestamp } from './columns.ts';

// Logbook (migrations 0002, 0009).
export type LogbookScope = 'session' | 'instrument' | 'facility';
export type EventKind = 'annotation' | 'notification' | 'broadcast';
export type EventCategory = 'info' | 'error' | 'debug' | 'commandLine' | 'comment';
export type ContentFormat = 'plainText' | 'markdown' | 'html';
export interface LogbookTable {
  id: string;
  scope: LogbookScope;
  session_id: string | null;
  instrument_id: string | null;
  facility: string | null;
  last_seq: Defaulted<number>;
  created_at: CreatedAt;
  /** Counts of its events, kept by posts and deletes (migration 0009). */
  live_events: Counter;
  live_annotations: Counter;
  live_notifications: Counter;
  live_broadcasts: Counter;
  live_comments: Counter;
  deleted_events: Counter;
}
export interface LogbookEventTable {
  id: string;
  logbook_id: string;
  seq: number;
  client_id: string | null;
  input_hash: string | null;
  kind: EventKind;
  category: EventCategory;
  source: string;
  author: string | null;
  author_user_id: number | null;
  occurred_at: Timestamp;
  received_at: Timestamp;
  parent_id: string | null;
  tags: TextArray;
  dataset_ids: TextArray;
  attachments: ColumnType<unknown[], string | undefined, string>;
  content_format: ContentFormat;
  content_text: string;
  content_html: string;
  plain_text: string;
  search: ColumnType<string, never, never>;
  revision: Defaulted<number>;
  edited_at: OptionalTime;
  edited_by: string | null;
  deleted_at: OptionalTime;
}
export interface LogbookEventRevisionTable {
  event_id: string;
  revision: number;
  category: EventCategory;
  tags: string[];
  content_format: ContentFormat;
  content_text: string;
  content_html: string;
  deleted: boolean;
  author: string | null;
  at: Timestamp;
}
export interface LogbookIdempotencyTable {
  logbook_id: string;
  key: string;
  body_hash: string;
  response: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: Timestamp;
}
export interface LogbookAttachmentTable {
  logbook_id: string;
  sha256: string;
  name: string;
  media_type: string;
  size: number;
  thumbnail: Defaulted<boolean>;
  width: number | null;
  height: number | null;
  created_at: Timestamp;
}

export interface LogbookTables {
  logbook: LogbookTable;
  logbook_event: LogbookEventTable;
  logbook_event_revision: LogbookEventRevisionTable;
  logbook_idempotency: LogbookIdempotencyTable;
  logbook_attachment: LogbookAttachmentTable;
}
