import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services.ts';
import { accessOf } from '../http/auth.ts';
import { actorName } from '../auth/caller.ts';
import { authoriseRegistration } from './authorise.ts';
import { registerDataset } from './registration.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });

const RegisterBody = Type.Object(
  {
    session: Name,
    name: Name,
    title: Type.Optional(Type.String({ maxLength: 2000 })),
    sample: Type.Optional(Name),
    techniques: Type.Optional(Type.Array(Type.String({ pattern: '^PaNET\\d{5}$' }), { maxItems: 50 })),
    parameters: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Name,
            value: Type.Union([Type.Number(), Type.String({ maxLength: 2000 })]),
            unit: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000 },
      ),
    ),
    directory: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'absolute path under FAIRBEAM_DATA_ROOTS' }),
    ),
    files: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.String({
              minLength: 1,
              maxLength: 4096,
              description: 'relative to the dataset directory',
            }),
            size: Type.Integer({ minimum: 0 }),
            sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
            mtime: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 10_000 },
      ),
    ),
  },
  { additionalProperties: false },
);

const Registered = Type.Object({
  pid: Type.String(),
  registered: Type.Integer(),
  bytes: Type.Integer(),
  errors: Type.Array(Type.Object({ path: Type.String(), reason: Type.String() })),
});

/** Dataset registration by beamline software (instrument API key) and staff: POST /api/datasets. */
export const ingestRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    app.post(
      '/datasets',
      {
        bodyLimit: 16 * 1024 * 1024,
        schema: {
          tags: ['ingest'],
          summary:
            'Register a dataset: a list of files, or a directory under a data root to scan (NeXus metadata is extracted)',
          body: RegisterBody,
          response: {
            200: Registered,
            201: Registered,
            400: Type.Ref('Error'),
            401: Type.Ref('Error'),
            403: Type.Ref('Error'),
            404: Type.Ref('Error'),
            422: Type.Ref('Error'),
          },
        },
      },
      async (req, reply) => {
        const access = accessOf(req, services);
        await authoriseRegistration(db, access, req.body.session);
        const { session, ...rest } = req.body;
        const r = await registerDataset(
          db,
          { ...rest, sessionId: session },
          {
            dataRoots: services.config.dataRoots,
            doiPrefix: services.config.doiPrefix,
            actor: actorName(req.caller),
          },
        );
        reply.status(r.created ? 201 : 200);
        return { pid: r.pid, registered: r.registered, bytes: r.bytes, errors: r.errors };
      },
    );
  };
