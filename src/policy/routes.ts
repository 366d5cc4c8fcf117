import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services.ts';
import { accessOf, requireLogin } from '../http/auth.ts';
import { createPolicyRequest, listRequests, listSessionRequests } from './requests/repo.ts';
import { decidePolicyRequest } from './requests/decide.ts';
import { DecisionBody, NewPolicyRequestBody, PolicyRequestWire } from './requests/wire.ts';
import { syncDois } from './doi/sync.ts';
import { registrarFor } from './doi/registrar-for.ts';
import { actorName } from '../auth/caller.ts';

const SessionId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 500 }) });
const RequestId = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const errors = {
  400: Type.Ref('Error'),
  401: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  422: Type.Ref('Error'),
};
const Items = Type.Object({ items: Type.Array(PolicyRequestWire) });

/** Embargo extension and early release: PIs ask, data managers decide (native API, under /api). */
export const policyRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const tags = ['policy'];
    app.addSchema(PolicyRequestWire);

    app.post(
      '/sessions/:id/policy-requests',
      {
        schema: {
          tags,
          summary: 'A PI asks for an embargo extension or early release',
          params: SessionId,
          body: NewPolicyRequestBody,
          response: { 201: PolicyRequestWire, ...errors },
        },
      },
      async (req, reply) => {
        requireLogin(req);
        return reply
          .status(201)
          .send(await createPolicyRequest(db, accessOf(req, services), req.params.id, req.body));
      },
    );

    app.get(
      '/sessions/:id/policy-requests',
      {
        schema: {
          tags,
          summary: "A session's embargo requests and their decisions",
          params: SessionId,
          response: { 200: Items, ...errors },
        },
      },
      async (req) => {
        requireLogin(req);
        return { items: await listSessionRequests(db, accessOf(req, services), req.params.id) };
      },
    );

    app.get(
      '/policy-requests',
      {
        schema: {
          tags,
          summary: 'Embargo requests across sessions (data managers)',
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
            ),
          }),
          response: { 200: Items, ...errors },
        },
      },
      async (req) => {
        requireLogin(req);
        return { items: await listRequests(db, accessOf(req, services), req.query.status) };
      },
    );

    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/policy-requests/:id/${decision}`,
        {
          schema: {
            tags,
            summary: `A data manager ${decision}s a request`,
            params: RequestId,
            body: DecisionBody,
            response: { 200: PolicyRequestWire, ...errors },
          },
          // The note is optional, and so is the whole body: a bare POST decides without one.
          preValidation: async (req) => {
            req.body ??= {};
          },
        },
        async (req) => {
          requireLogin(req);
          const decided = await decidePolicyRequest(
            db,
            accessOf(req, services),
            req.params.id,
            decision,
            req.body.note,
          );
          // An early release makes the DOI findable now; a registrar failure is recorded on the DOI
          // and retried by the release job, it does not undo the decision.
          if (decided.kind === 'early_release' && decided.status === 'approved') {
            await syncDois(db, registrarFor(services), {
              baseUrl: services.config.baseUrl,
              now: services.clock.now(),
              actor: actorName(req.caller),
            });
          }
          return decided;
        },
      );
    }
  };
