import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services.ts';
import { accessOf } from '../http/auth.ts';
import {
  facilityLogbook,
  findLogbook,
  instrumentLogbook,
  logbookCounts,
  runningSessionLogbook,
  sessionLogbook,
  type Logbook,
} from './logbooks.ts';
import { eventRoutes } from './event-routes.ts';
import { attachmentRoutes } from './attachment-routes.ts';
import { busFor, closeBus } from './bus.ts';
import { streamEvents } from './stream.ts';
import { exportJson } from './export-json.ts';
import { exportPdf } from './export-pdf.ts';
import { attachmentsRoot } from './attachments.ts';
import { EventFilterQuery, LogbookWire } from './wire.ts';

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 500 }) });
const errors = { 400: Type.Ref('Error'), 403: Type.Ref('Error'), 404: Type.Ref('Error') };
const StreamFilter = Type.Object({
  after: EventFilterQuery.after,
  kind: EventFilterQuery.kind,
  category: EventFilterQuery.category,
  tag: EventFilterQuery.tag,
});

/** The electronic logbook: logbooks, events, live stream, export, attachments. */
export const logbookRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const tags = ['logbook'];
    const withCounts = async (lb: Logbook) => ({ ...lb, counts: await logbookCounts(db, lb.id) });
    const openStreams = new Set<() => void>();
    app.addHook('preClose', async () => openStreams.forEach((end) => end()));
    app.addHook('onClose', () => closeBus(services.database));

    // The ways to a logbook, each answered with the logbook and its counts (access as findLogbook decides).
    const lookups: [url: string, summary: string, find: typeof findLogbook][] = [
      ['/sessions/:id/logbook', "The session's logbook (created on first use)", sessionLogbook],
      [
        '/instruments/:id/logbook',
        "The instrument's own logbook (staff and the instrument's software)",
        instrumentLogbook,
      ],
      [
        '/instruments/:id/logbook/current',
        'The logbook of the session running now on the instrument',
        runningSessionLogbook,
      ],
      ['/facilities/:id/logbook', 'The facility logbook (broadcasts)', facilityLogbook],
      ['/logbooks/:id', 'One logbook by id', findLogbook],
    ];
    for (const [url, summary, find] of lookups)
      app.get(
        url,
        { schema: { tags, summary, params: IdParam, response: { 200: LogbookWire, ...errors } } },
        async (req) => withCounts(await find(db, accessOf(req, services), req.params.id)),
      );

    app.get(
      '/logbooks/:id/stream',
      {
        schema: {
          tags,
          summary:
            'Server-Sent Events: `id: <seq>` per message; Last-Event-ID (or ?after=) replays what was missed',
          params: IdParam,
          querystring: StreamFilter,
          produces: ['text/event-stream'],
        },
      },
      async (req, reply) => {
        const logbook = await findLogbook(db, accessOf(req, services), req.params.id);
        await streamEvents(db, busFor(services.database), logbook, req.query, req, reply, openStreams);
      },
    );

    app.get(
      '/logbooks/:id/export',
      {
        schema: {
          tags,
          summary: 'The logbook or a filtered view as PDF or JSON',
          params: IdParam,
          querystring: Type.Object({
            ...EventFilterQuery,
            format: Type.Union([Type.Literal('pdf'), Type.Literal('json')], { default: 'json' }),
          }),
          response: { 400: Type.Ref('Error'), 404: Type.Ref('Error'), 422: Type.Ref('Error') },
        },
      },
      async (req, reply) => {
        const access = accessOf(req, services);
        const logbook = await findLogbook(db, access, req.params.id);
        const { format, ...filter } = req.query;
        const name = `logbook-${logbook.sessionId ?? logbook.instrumentId ?? logbook.facility}`.replace(
          /[^\w.-]+/g,
          '_',
        );
        reply.header('content-disposition', `attachment; filename="${name}.${format}"`);
        if (format === 'pdf') {
          const pdf = await exportPdf(db, logbook, filter, attachmentsRoot(services.config.home), access.now);
          return reply.type('application/pdf').send(pdf);
        }
        return reply
          .type('application/json; charset=utf-8')
          .send(exportJson(db, logbook, filter, access.now));
      },
    );

    await app.register(eventRoutes(services));
    await app.register(attachmentRoutes(services));
  };
