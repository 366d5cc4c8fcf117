import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services.ts';
import { audit } from '../audit/log.ts';
import { login, logout, SESSION_COOKIE } from './user-sessions.ts';
import { setSessionCookie } from '../http/auth.ts';
import { actorName } from './caller.ts';
import { AppError } from '../errors.ts';
import { MeWire as Me } from './wire.ts';

export const LOGIN_RATE_LIMIT = { max: 10, timeWindow: '1 minute' };
export const LOGIN_ADDRESS_RATE_LIMIT = { max: 50, timeWindow: '1 minute' };

export const authRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const tags = ['auth'];

    // One address cannot spray many accounts: a second, looser limit by address alone.
    const perAddress = app.createRateLimit({ ...LOGIN_ADDRESS_RATE_LIMIT, keyGenerator: (req) => req.ip });

    app.post(
      '/login',
      {
        config: {
          // Per client address and username, so guessing one account's password is slow while others
          // behind the same address (a facility NAT) can still log in. The key needs the parsed body,
          // hence preHandler: in the default onRequest hook the body is not read yet and every
          // attempt from one address would share a single key.
          rateLimit: {
            ...LOGIN_RATE_LIMIT,
            hook: 'preHandler',
            keyGenerator: (req) =>
              `${req.ip}|${String((req.body as { username?: unknown })?.username ?? '')}`,
          },
        },
        onRequest: async (req) => {
          const limit = await perAddress(req);
          if (!limit.isAllowed && limit.isExceeded) {
            throw new AppError(
              'rate_limited',
              429,
              'Too many login attempts from this address; try again in a minute',
            );
          }
        },
        schema: {
          tags,
          summary: 'Log in with a local account; sets an httpOnly session cookie',
          body: Type.Object(
            {
              username: Type.String({ minLength: 1, maxLength: 200 }),
              password: Type.String({ minLength: 1, maxLength: 1000 }),
            },
            { additionalProperties: false },
          ),
          response: { 200: Me, 401: Type.Ref('Error'), 429: Type.Ref('Error') },
        },
      },
      async (req, reply) => {
        const now = services.clock.now();
        const { token, expiresAt } = await login(db, req.body.username, req.body.password, now);
        await audit(db, { actor: `user:${req.body.username}`, action: 'login', details: { ip: req.ip } });
        setSessionCookie(reply, services, { token, expiresAt });
        const user = await db
          .selectFrom('app_user')
          .select(['username', 'full_name', 'facility_role'])
          .where('username', '=', req.body.username)
          .executeTakeFirstOrThrow();
        return {
          kind: 'user' as const,
          username: user.username,
          fullName: user.full_name,
          role: user.facility_role,
        };
      },
    );

    app.post('/logout', { schema: { tags, response: { 204: Type.Null() } } }, async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await logout(db, token);
      if (req.caller.kind === 'user') await audit(db, { actor: actorName(req.caller), action: 'logout' });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    });

    app.get('/me', { schema: { tags, summary: 'Who the caller is', response: { 200: Me } } }, async (req) => {
      const c = req.caller;
      if (c.kind === 'anonymous') return { kind: 'anonymous' as const };
      if (c.kind === 'apikey')
        return { kind: 'apikey' as const, apiKey: c.name, instrumentId: c.instrumentId };
      const u = await db
        .selectFrom('app_user')
        .select(['full_name'])
        .where('id', '=', c.userId)
        .executeTakeFirst();
      return { kind: 'user' as const, username: c.username, fullName: u?.full_name ?? null, role: c.role };
    });
  };
