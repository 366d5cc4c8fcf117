import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AppError } from '../../errors.ts';
import { routeOf, type PanoscCall } from '../panosc/handlers.ts';
import { installOpenCors, segmentsAfter } from '../panosc/routes.ts';
import { LIMITS } from '../panosc/parse.ts';
import { askAll, type Outcome } from './providers.ts';
import { mergeLists } from './merge.ts';

export interface FederatedOptions {
  providers: string[];
  /** Per-provider deadline; a provider slower than this is reported as failed. */
  timeoutMs?: number;
  prefix?: string;
}

const ANSWERED = 'x-federated-providers';
const FAILED = 'x-federated-failed';

/**
 * Federated PaNOSC search (the federated-search-service contract) under /federated/api: the same
 * paths and parameters, answered by fanning out to every configured provider in parallel. Providers
 * that answer are listed in `X-Federated-Providers`, the others in `X-Federated-Failed`; items carry
 * their `provider`; counts add up.
 */
export const federatedRoutes =
  (opts: FederatedOptions): FastifyPluginAsync =>
  async (app) => {
    const prefix = opts.prefix ?? '/federated/api';
    const timeoutMs = opts.timeoutMs ?? 5000;
    installOpenCors(app, [ANSWERED, FAILED]);
    app.get('/*', { schema: { hide: true } }, async (req, reply) => {
      const call = routeOf(segmentsAfter(req.url, prefix));
      if (!call)
        return reply
          .status(404)
          .send({ code: 'route_not_found', message: `No route GET ${req.url.split('?')[0]}` });
      const incoming = new URLSearchParams(
        req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '',
      );
      return federate(call, incoming, reply);
    });

    async function federate(call: PanoscCall, incoming: URLSearchParams, reply: FastifyReply) {
      const path = pathOf(call);
      if (call.kind === 'list') {
        const { filter, skip, limit } = pageOf(incoming.get('filter'));
        // Each provider is asked for the first skip+limit items; the page is cut after merging.
        const params = new URLSearchParams(incoming);
        params.set(
          'filter',
          JSON.stringify({ ...filter, skip: 0, limit: Math.min(skip + limit, LIMITS.maxLimit) }),
        );
        const outcomes = await askAll(opts.providers, path, params, timeoutMs);
        const lists = answered(outcomes, reply, Array.isArray);
        return mergeLists(
          lists.map((o) => ({ provider: o.provider, items: o.body as Record<string, unknown>[] })),
          skip,
          limit,
        );
      }
      const outcomes = await askAll(opts.providers, path, incoming, timeoutMs);
      if (call.kind === 'count') {
        const counts = answered(
          outcomes,
          reply,
          (b) => typeof (b as { count?: unknown })?.count === 'number',
        );
        return { count: counts.reduce((n, o) => n + (o.body as { count: number }).count, 0) };
      }
      // One item (by pid): the first provider, in configured order, that has it.
      const found = answered(outcomes, reply, (b) =>
        call.kind === 'files' ? Array.isArray(b) : typeof b === 'object' && b !== null && !Array.isArray(b),
      );
      const first = found[0];
      if (!first)
        throw new AppError(
          'not_found',
          404,
          `No provider has ${JSON.stringify(call.kind === 'files' ? call.pid : (call as { pid: string }).pid)}`,
        );
      return Array.isArray(first.body)
        ? (first.body as Record<string, unknown>[]).map((f) => ({ ...f, provider: first.provider }))
        : { ...(first.body as Record<string, unknown>), provider: first.provider };
    }

    /** The useful answers; sets the provider headers; relays a 4xx when every provider rejected the request. */
    function answered(outcomes: Outcome[], reply: FastifyReply, valid: (body: unknown) => boolean) {
      const ok = outcomes.filter(
        (o): o is Extract<Outcome, { kind: 'ok' }> => o.kind === 'ok' && valid(o.body),
      );
      const rejected = outcomes.filter(
        (o): o is Extract<Outcome, { kind: 'rejected' }> => o.kind === 'rejected',
      );
      const failed = outcomes.filter((o) => !ok.includes(o as never) && !rejected.includes(o as never));
      reply.header(ANSWERED, [...ok, ...rejected].map((o) => o.provider).join(', '));
      reply.header(FAILED, failed.map((o) => o.provider).join(', '));
      const bad = rejected.find((o) => o.status === 400);
      if (ok.length === 0 && bad) {
        const body = bad.body as { message?: unknown };
        throw new AppError(
          'invalid_filter',
          400,
          typeof body?.message === 'string' ? body.message : 'Every provider rejected the request',
        );
      }
      return ok;
    }
  };

function pathOf(call: PanoscCall): string {
  switch (call.kind) {
    case 'list':
      return `/${call.collection}`;
    case 'count':
      return `/${call.collection}/count`;
    case 'get':
      return `/${call.collection}/${encodeURIComponent(call.pid)}`;
    case 'files':
      return `/datasets/${encodeURIComponent(call.pid)}/files`;
  }
}

/** Reads limit/skip of the caller's filter (the rest is passed through for providers to judge). */
function pageOf(raw: string | null): { filter: Record<string, unknown>; skip: number; limit: number } {
  let filter: unknown = {};
  if (raw) {
    try {
      filter = JSON.parse(raw);
    } catch (e) {
      throw new AppError('invalid_filter', 400, `filter is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
    throw new AppError('invalid_filter', 400, 'filter must be a JSON object');
  const f = filter as Record<string, unknown>;
  const count = (v: unknown, name: string, fallback: number, max: number) => {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new AppError(
        'invalid_filter',
        400,
        `filter.${name} must be a non-negative integer, got ${JSON.stringify(v)}`,
      );
    return Math.min(v, max);
  };
  const skip = count(f.skip ?? f.offset, 'skip', 0, Number.MAX_SAFE_INTEGER);
  const limit = count(f.limit, 'limit', LIMITS.defaultLimit, LIMITS.maxLimit);
  // Every provider must return everything before the page: deep pages are refused, not faked.
  if (skip + limit > LIMITS.maxLimit)
    throw new AppError(
      'invalid_filter',
      400,
      `federated results reach ${LIMITS.maxLimit} items at most: skip + limit must be ≤ ${LIMITS.maxLimit}`,
    );
  const { offset: _offset, ...rest } = f;
  return { filter: rest, skip, limit };
}
