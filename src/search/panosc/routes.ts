import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../services.ts';
import { AppError } from '../../errors.ts';
import { answer, routeOf, type PanoscCall, type PanoscQuery } from './handlers.ts';

const Query = Type.Object(
  {
    filter: Type.Optional(
      Type.String({ description: 'LoopBack-style JSON filter: where, include, fields, order, limit, skip' }),
    ),
    query: Type.Optional(
      Type.String({ description: 'Free text; results get a score in (0, 1] and are ordered by it' }),
    ),
  },
  { additionalProperties: true },
);
const CountQuery = Type.Object(
  {
    ...Query.properties,
    where: Type.Optional(Type.String({ description: 'JSON where (as in filter.where)' })),
  },
  { additionalProperties: true },
);
const PidParam = Type.Object({ pid: Type.String({ minLength: 1 }) });

/** Sets open CORS headers on every answer of a public read-only API, errors included. */
export function installOpenCors(app: FastifyInstance, exposeHeaders: string[] = []): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('access-control-allow-origin', '*');
    if (exposeHeaders.length) reply.header('access-control-expose-headers', exposeHeaders.join(', '));
    return payload;
  });
  app.options('/*', { schema: { hide: true } }, async (req, reply) => {
    reply
      .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
      .header(
        'access-control-allow-headers',
        req.headers['access-control-request-headers'] ?? 'Content-Type, Accept',
      )
      .header('access-control-max-age', '86400')
      .status(204)
      .send();
  });
}

/** Splits the path after `prefix` into decoded segments; `%2F` inside a pid stays part of it. */
export function segmentsAfter(url: string, prefix: string): string[] {
  const path = url.split('?')[0]!.slice(prefix.length);
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    throw new AppError('bad_url', 400, 'The URL is malformed');
  }
}

/**
 * The PaNOSC search API (panosc-eu/search-api contract) under /panosc/api: anonymous, public data only,
 * case-insensitive collection names. The lower-case routes document the API; the catch-all serves
 * `/Datasets`, unencoded DOI slashes and the like through the same code.
 */
export const panoscRoutes =
  (services: Services, prefix = '/panosc/api'): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database;
    const tags = ['panosc'];
    installOpenCors(app);
    const run = (call: PanoscCall | undefined, req: FastifyRequest, reply: FastifyReply) => {
      if (!call)
        return reply
          .status(404)
          .send({ code: 'route_not_found', message: `No route GET ${req.url.split('?')[0]}` });
      return answer(db, call, req.query as PanoscQuery, services.clock.now());
    };
    for (const collection of ['datasets', 'documents', 'instruments'] as const) {
      app.get(
        `/${collection}`,
        { schema: { tags, summary: `List public ${collection}`, querystring: Query } },
        (req, reply) => run({ kind: 'list', collection }, req, reply),
      );
      app.get(
        `/${collection}/count`,
        { schema: { tags, summary: `Count public ${collection}`, querystring: CountQuery } },
        (req, reply) => run({ kind: 'count', collection }, req, reply),
      );
      app.get(
        `/${collection}/:pid`,
        {
          schema: {
            tags,
            summary: `One public ${collection.slice(0, -1)} by pid (URL-encode slashes)`,
            params: PidParam,
            querystring: Query,
          },
        },
        // Through routeOf so that `/datasets/COUNT` counts as `/datasets/count` does.
        (req, reply) => run(routeOf([collection, req.params.pid]), req, reply),
      );
    }
    app.get(
      '/datasets/:pid/files',
      { schema: { tags, summary: 'Files of a public dataset', params: PidParam, querystring: Query } },
      (req, reply) => run({ kind: 'files', pid: req.params.pid }, req, reply),
    );
    app.get('/*', { schema: { hide: true } }, (req, reply) =>
      run(routeOf(segmentsAfter(req.url, prefix)), req, reply),
    );
  };
