// The logbook part of the API, one function per endpoint. The shapes are the API's own TypeBox
// schemas (src/logbook/wire.ts), imported as types only: nothing of the server reaches the bundle.
import type { Static } from '@sinclair/typebox';
import type * as wire from '../../../src/logbook/wire.ts';
import { ApiError, get, queryString, send, seg, type Query } from './client.ts';
import type { Page } from './types.ts';

export type EventKind = Static<typeof wire.Kind>;
export type EventCategory = Static<typeof wire.Category>;
export type ContentFormat = Static<typeof wire.Format>;

export const KINDS: EventKind[] = ['annotation', 'notification', 'broadcast'];
export const CATEGORIES: EventCategory[] = ['info', 'error', 'debug', 'commandLine', 'comment'];

export type Attachment = Static<typeof wire.AttachmentWire>;
/** An event's content; `html` is sanitised by the server (allow-list). */
export type Content = LogbookEvent['content'];
/** `snippet` comes with ?q=: HTML-escaped text with the matched words in <mark> (built by the server). */
export type LogbookEvent = Static<typeof wire.EventWire>;
export type Logbook = Static<typeof wire.LogbookWire>;
export type Revision = Static<typeof wire.RevisionWire>;
export type Diff = Static<typeof wire.DiffWire>;
/** What the portal posts: a person's annotation or comment (software sends more fields). */
export type NewEvent = Pick<wire.EventInput, 'content' | 'parentId' | 'tags' | 'category' | 'attachments'>;

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
