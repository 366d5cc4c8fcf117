// The logbook part of the API (src/logbook/wire.ts): wire shapes kept by hand, one function per endpoint.
import { ApiError, get, queryString, send, seg, type Query } from './client.ts';
import type { Page } from './types.ts';

export type EventKind = 'annotation' | 'notification' | 'broadcast';
export type EventCategory = 'info' | 'error' | 'debug' | 'commandLine' | 'comment';
export type ContentFormat = 'plainText' | 'markdown' | 'html';

export const KINDS: EventKind[] = ['annotation', 'notification', 'broadcast'];
export const CATEGORIES: EventCategory[] = ['info', 'error', 'debug', 'commandLine', 'comment'];

export interface Attachment {
  sha256: string;
  name: string;
  mediaType: string;
  size: number;
  thumbnail: boolean;
  width: number | null;
  height: number | null;
  url: string;
  thumbnailUrl: string | null;
}

export interface Content {
  format: ContentFormat;
  text: string;
  /** sanitised by the server (allow-list) */
  html: string;
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
  content: Content;
  revision: number;
  editable: boolean;
  editedAt: string | null;
  editedBy: string | null;
  deletedAt: string | null;
  /** with ?q=: HTML-escaped text with the matched words in <mark> (built by the server) */
  snippet?: string;
}

export interface Logbook {
  id: string;
  scope: 'session' | 'instrument' | 'facility';
  sessionId: string | null;
  instrumentId: string | null;
  facility: string | null;
  state: 'open' | 'frozen';
  lastSeq: number;
  canWrite: boolean;
  counts: {
    events: number;
    annotation: number;
    notification: number;
    broadcast: number;
    comments: number;
    deleted: number;
  };
}

export interface Revision {
  revision: number;
  category: EventCategory;
  tags: string[];
  content: Content;
  deleted: boolean;
  author: string | null;
  at: string;
}

export interface Diff {
  from: number;
  to: number;
  parts: { value: string; added: boolean; removed: boolean }[];
}

export interface NewEvent {
  content: { format: ContentFormat; text: string };
  parentId?: string;
  tags?: string[];
  category?: EventCategory;
  attachments?: { sha256: string; name?: string }[];
}

export interface EventFilter {
  kind?: string;
  category?: string;
  tag?: string;
  q?: string;
}

const ifMatch = (revision: number) => ({ 'if-match': `"${revision}"` });

export const logbookApi = {
  ofSession: (sessionId: string, signal?: AbortSignal) =>
    get<Logbook>(`/sessions/${seg(sessionId)}/logbook`, undefined, signal),
  events: (logbookId: string, q: Query, signal?: AbortSignal) =>
    get<Page<LogbookEvent>>(`/logbooks/${seg(logbookId)}/events`, q, signal),
  event: (id: string, signal?: AbortSignal) => get<LogbookEvent>(`/events/${seg(id)}`, undefined, signal),
  /** A fresh Idempotency-Key per user action: a network retry of the same action cannot post twice. */
  post: (logbookId: string, event: NewEvent, idempotencyKey = crypto.randomUUID()) =>
    send<LogbookEvent>('POST', `/logbooks/${seg(logbookId)}/events`, event, {
      'idempotency-key': idempotencyKey,
    }),
  edit: (id: string, revision: number, content: { format: ContentFormat; text: string }) =>
    send<LogbookEvent>('PATCH', `/events/${seg(id)}`, { content }, ifMatch(revision)),
  remove: (id: string, revision: number) =>
    send<LogbookEvent>('DELETE', `/events/${seg(id)}`, undefined, ifMatch(revision)),
  revisions: (id: string, signal?: AbortSignal) =>
    get<{ items: Revision[] }>(`/events/${seg(id)}/revisions`, undefined, signal),
  diff: (id: string, from: number, to: number, signal?: AbortSignal) =>
    get<Diff>(`/events/${seg(id)}/diff`, { from, to }, signal),
  preview: (logbookId: string, content: { format: ContentFormat; text: string }, signal?: AbortSignal) =>
    send<{ html: string }>('POST', `/logbooks/${seg(logbookId)}/preview`, { content }).then((r) => {
      signal?.throwIfAborted();
      return r;
    }),
  /** Uploads a file as the raw request body; reference the answer's sha256 in an event. */
  async upload(logbookId: string, file: File): Promise<Attachment> {
    const res = await fetch(
      `/api/logbooks/${seg(logbookId)}/attachments${queryString({ name: file.name })}`,
      {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': file.type || 'application/octet-stream', accept: 'application/json' },
        body: file,
      },
    ).catch(() => {
      throw new ApiError(
        0,
        'network_error',
        'The server could not be reached. Check your connection and try again.',
      );
    });
    const json = (await res.json().catch(() => ({}))) as Partial<{ code: string; message: string }> &
      Partial<Attachment>;
    if (!res.ok)
      throw new ApiError(
        res.status,
        json.code ?? 'http_error',
        json.message ?? `Upload failed (${res.status})`,
      );
    return json as Attachment;
  },
  exportUrl: (logbookId: string, format: 'pdf' | 'json', filter: EventFilter) =>
    `/api/logbooks/${seg(logbookId)}/export${queryString({ format, ...filter })}`,
  streamUrl: (logbookId: string, filter: EventFilter, after: number) =>
    `/api/logbooks/${seg(logbookId)}/stream${queryString({ kind: filter.kind, category: filter.category, tag: filter.tag, after })}`,
};
