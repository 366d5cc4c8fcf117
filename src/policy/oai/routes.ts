import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { handleOai } from './handler.ts';

/** OAI-PMH 2.0 at /oai, by GET (query) or POST (form body): public sessions for harvesters. */
export const oaiRoutes =
  (services: Services): FastifyPluginAsync =>
  async (app) => {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_req, body, done) => done(null, body),
    );
    const answer = async (req: FastifyRequest, params: URLSearchParams) => {
      const db = services.database.db;
      const facility = await db
        .selectFrom('facility')
        .select(['name', 'full_name'])
        .orderBy('name')
        .executeTakeFirst();
      return handleOai(
        {
          db,
          now: services.clock.now(),
          baseUrl: services.config.baseUrl,
          repositoryName: `${facility?.full_name || facility?.name || 'fairbeam'} open data (fairbeam)`,
          adminEmail: services.config.adminEmail,
          pageSize: services.config.oaiPageSize,
        },
        params,
      );
    };
    const query = (req: FastifyRequest) =>
      new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
    app.get('/oai', { schema: { hide: true } }, async (req, reply) =>
      reply.type('text/xml; charset=utf-8').send(await answer(req, query(req))),
    );
    app.post('/oai', { schema: { hide: true } }, async (req, reply) => {
      const form = typeof req.body === 'string' ? req.body : '';
      return reply.type('text/xml; charset=utf-8').send(await answer(req, new URLSearchParams(form)));
    });
  };
