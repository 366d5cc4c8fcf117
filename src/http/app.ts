import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../services.ts';
import { frameworkErrors, installErrorHandling } from './errors.ts';
import { installAuth } from './auth.ts';
import { ErrorBody } from './wire.ts';
import { catalogueRoutes } from '../catalogue/routes.ts';
import { authRoutes } from '../auth/routes.ts';
import { adminRoutes } from './admin-routes.ts';
import { policyRoutes } from '../policy/routes.ts';
import { openDataRoutes } from '../policy/public-routes.ts';
import { oidcRoutes } from '../auth/oidc/routes.ts';
import { searchRoutes } from '../search/routes.ts';
import { logbookRoutes } from '../logbook/routes.ts';
import { ingestRoutes } from '../ingest/routes.ts';
import { downloadRoutes } from '../downloads/routes.ts';
import { tapeAdminRoutes } from '../archive/workflow/routes.ts';
import { sessionContainerRoutes } from '../archive/packs/routes.ts';

export interface AppOptions {
  logger?: boolean | object;
  /** Built portal (vite build output); served at / when present. */
  webRoot?: string;
}

export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

/** Fastify's own Ajv (a dependency of Fastify's, not ours). */
type FastifyAjv = Parameters<NonNullable<NonNullable<FastifyServerOptions['ajv']>['onCreate']>>[0];

/**
 * RFC 3339's date-time takes a leap second (23:59:60), which JavaScript's Date cannot hold (it became
 * a 500 where stored, or another error than a bad time's): such a time fails the schema like any
 * invalid one, naming its field. Runs after ajv-formats has defined the format.
 */
function onlyDateTimesDateCanHold(ajv: FastifyAjv): void {
  const { validate } = ajv.formats['date-time'] as { validate: (s: string) => boolean };
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => validate(s) && !Number.isNaN(Date.parse(s)),
  });
}

/** Builds the HTTP app: the native API under /api, OpenAPI + docs, and the portal at /. */
export async function buildApp(services: Services, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors,
    ajv: {
      customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true },
      onCreate: onlyDateTimesDateCanHold,
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandling(app);
  app.addSchema(ErrorBody);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'fairbeam API',
        version: '0.1.0',
        description:
          'Catalogue, embargo policy, logbook, archive and search for photon and neutron facilities',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'fairbeam_session' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  installAuth(app, services);

  await app.register(
    async (api) => {
      api.get(
        '/health',
        { schema: { tags: ['meta'], response: { 200: Type.Object({ status: Type.String() }) } } },
        async () => {
          await services.database.db
            .selectFrom('fairbeam_migration' as never)
            .select((eb) => eb.lit(1).as('one'))
            .limit(1)
            .execute();
          return { status: 'ok' };
        },
      );
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await api.register(authRoutes(services));
      await api.register(catalogueRoutes(services));
      await api.register(adminRoutes(services));
      await api.register(policyRoutes(services));
      await api.register(oidcRoutes(services));
      await api.register(logbookRoutes(services));
      await api.register(ingestRoutes(services));
      await api.register(downloadRoutes(services));
      await api.register(tapeAdminRoutes(services));
      await api.register(sessionContainerRoutes(services));
    },
    { prefix: '/api' },
  );
  await app.register(openDataRoutes(services));
  await app.register(searchRoutes(services)); // /panosc/api and /federated/api

  const webRoot = opts.webRoot ?? DEFAULT_WEB_ROOT;
  if (fs.existsSync(path.join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: ['index.html'] });
    // Client-side routes of the portal get index.html: any GET that is not an API call and is either
    // extension-less or a browser navigation (Accept: text/html) - dataset pids such as
    // /datasets/10.5072%2Ffb-ds.1a2b look like file names. A catch-all route rather than a second
    // not-found handler, which installErrorHandling has already set (Fastify allows one per prefix).
    app.get('/*', { schema: { hide: true } }, (req, reply) => {
      const p = req.url.split('?')[0] ?? '/';
      const navigation = !path.extname(p) || (req.headers.accept ?? '').includes('text/html');
      // API prefixes (/api/, /panosc/api/, /federated/api/) always answer JSON.
      if (!/^\/([^/]+\/)?api(\/|$)/.test(p) && navigation) return reply.sendFile('index.html');
      return reply.status(404).send({ code: 'route_not_found', message: `No route ${req.method} ${p}` });
    });
  }
  return app;
}
