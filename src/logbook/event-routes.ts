import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { accessOf } from '../http/auth.ts';
import { ListQuery, Page } from '../http/wire.ts';
import { audit } from '../audit/log.ts';
import { actorName } from '../auth/caller.ts';
import { assertWritable, findLogbook } from './logbooks.ts';
import { postEvents, type PostResult } from './events/post.ts';
import { getEvent, listEvents } from './events/read.ts';
import { deleteEvent, editEvent, parseIfMatch } from './events/edit.ts';
import { diffRevisions, listRevisions } from './events/history.ts';
import { busFor } from './bus.ts';
import type { LogbookEvent } from './events/model.ts';
import type { Access } from '../catalogue/access.ts';
import { renderContent } from './content.ts';
import {
  BatchInput,
  ContentInput,
  DiffWire,
  EditInput,
  EventFilterQuery,
  EventInput,
  EventWire,
  RevisionWire,
} from './wire.ts';

const LogbookParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const EventParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const errors = {
  400: Type.Ref('Error'),
  401: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  413: Type.Ref('Error'),
  422: Type.Ref('Error'),
};
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' }),
  ),
});
const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 100 })) });

/** Posting, reading, editing and the history of logbook events. */
export const eventRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const bus = busFor(services.database);
    const tags = ['logbook'];

    // Wake live readers after the commit; a failed wake-up must not fail the (committed) post.
    const announce = (req: FastifyRequest, logbookId: string, eventId?: string) =>
      bus.publish({ logbookId, eventId }).catch((err) => req.log.warn({ err }, 'logbook notify failed'));

    // An edit or delete made a new revision: audit it, wake live readers, answer it with its ETag.
    const revised = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: Access,
      action: 'logbook.event.edit' | 'logbook.event.delete',
      event: LogbookEvent,
    ) => {
      await audit(db, {
        actor: actorName(access.caller),
        action,
        target: event.id,
        details: { revision: event.revision },
      });
      await announce(req, event.logbookId, event.id);
      return reply.header('etag', `"${event.revision}"`).send(event);
    };

    const post = (
      req: FastifyRequest,
      logbookId: string,
      events: EventInput[],
      body: unknown,
      key: string | undefined,
    ): Promise<PostResult> =>
      postEvents(db, bus, accessOf(req, services), logbookId, events, key ? { key, body } : undefined);

    app.post(
      '/logbooks/:id/events',
      {
        schema: {
          tags,
          summary: 'Post one event; retries with the same Idempotency-Key or clientId return the original',
          params: LogbookParam,
          headers: IdempotencyHeaders,
          body: EventInput,
          response: { 201: EventWire, ...errors },
        },
      },
      async (req, reply) => {
        const body = req.body as EventInput;
        const result = await post(req, req.params.id, [body], body, req.headers['idempotency-key']);
        const event = result.events[0]!;
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        return reply.status(201).header('etag', `"${event.revision}"`).send(event);
      },
    );

    app.post(
      '/logbooks/:id/events::batch',
      {
        bodyLimit: 32 * 1024 * 1024,
        schema: {
          tags,
          summary: 'Post up to 1000 events in one transaction',
          params: LogbookParam,
          headers: IdempotencyHeaders,
          body: BatchInput,
          response: { 201: Type.Object({ events: Type.Array(EventWire) }), ...errors },
        },
      },
      async (req, reply) => {
        const body = req.body as { events: EventInput[] };
        const result = await post(req, req.params.id, body.events, body, req.headers['idempotency-key']);
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        return reply.status(201).send({ events: result.events });
      },
    );

    app.post(
      '/logbooks/:id/preview',
      {
        schema: {
          tags,
          summary: 'Render content as a post would store it (sanitised HTML), without storing anything',
          params: LogbookParam,
          body: Type.Object({ content: ContentInput }, { additionalProperties: false }),
          response: { 200: Type.Object({ html: Type.String() }), ...errors },
        },
      },
      async (req) => {
        const access = accessOf(req, services);
        assertWritable(await findLogbook(db, access, req.params.id), access);
        return { html: renderContent(req.body.content.format, req.body.content.text).html };
      },
    );

    app.get(
      '/logbooks/:id/events',
      {
        schema: {
          tags,
          summary: 'Events, ascending by seq (order=desc: latest first); q = full-text search with snippets',
          params: LogbookParam,
          querystring: Type.Object({
            ...EventFilterQuery,
            limit: ListQuery.limit,
            cursor: ListQuery.cursor,
            order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
          }),
          response: { 200: Page(EventWire), ...errors },
        },
      },
      (req) => listEvents(db, accessOf(req, services), req.params.id, req.query),
    );

    app.get(
      '/events/:id',
      {
        schema: { tags, params: EventParam, response: { 200: EventWire, ...errors } },
      },
      async (req, reply) => {
        const event = await getEvent(db, accessOf(req, services), req.params.id);
        return reply.header('etag', `"${event.revision}"`).send(event);
      },
    );

    app.patch(
      '/events/:id',
      {
        schema: {
          tags,
          summary: 'Edit your annotation or comment; If-Match: "<revision>" is required (412 if stale)',
          params: EventParam,
          headers: IfMatchHeaders,
          body: EditInput,
          response: { 200: EventWire, 412: Type.Ref('Error'), 428: Type.Ref('Error'), ...errors },
        },
      },
      async (req, reply) => {
        const access = accessOf(req, services);
        const event = await editEvent(
          db,
          access,
          req.params.id,
          parseIfMatch(req.headers['if-match']),
          req.body,
        );
        return revised(req, reply, access, 'logbook.event.edit', event);
      },
    );

    app.delete(
      '/events/:id',
      {
        schema: {
          tags,
          summary: 'Soft-delete your annotation or comment (a new revision); If-Match required',
          params: EventParam,
          headers: IfMatchHeaders,
          response: { 200: EventWire, 412: Type.Ref('Error'), 428: Type.Ref('Error'), ...errors },
        },
      },
      async (req, reply) => {
        const access = accessOf(req, services);
        const event = await deleteEvent(db, access, req.params.id, parseIfMatch(req.headers['if-match']));
        return revised(req, reply, access, 'logbook.event.delete', event);
      },
    );

    app.get(
      '/events/:id/revisions',
      {
        schema: {
          tags,
          summary: 'Every version of the event, oldest first',
          params: EventParam,
          response: { 200: Type.Object({ items: Type.Array(RevisionWire) }), ...errors },
        },
      },
      async (req) => ({ items: await listRevisions(db, accessOf(req, services), req.params.id) }),
    );

    app.get(
      '/events/:id/diff',
      {
        schema: {
          tags,
          summary: 'Word-level difference between two revisions',
          params: EventParam,
          querystring: Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) }),
          response: { 200: DiffWire, ...errors },
        },
      },
      (req) => diffRevisions(db, accessOf(req, services), req.params.id, req.query.from, req.query.to),
    );
  };
