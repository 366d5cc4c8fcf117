import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { anonymous, hasRole, type Caller } from '../auth/caller.ts';
import { callerForApiKey } from '../auth/api-keys.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, userForSessionToken } from '../auth/user-sessions.ts';
import type { FacilityRole } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { Access } from '../catalogue/access.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

/** Resolves the caller once per request from the session cookie or the bearer API key. */
export function installAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('caller', undefined as unknown as never);
  app.addHook('onRequest', async (req) => {
    req.caller = anonymous;
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m) throw new AppError('invalid_authorization', 401, 'Use "Authorization: Bearer <api key>"');
      req.caller = await callerForApiKey(services.database.db, m[1]!);
      return;
    }
    const token = req.cookies?.[SESSION_COOKIE];
    if (token)
      req.caller =
        (await userForSessionToken(services.database.db, token, services.clock.now())) ?? anonymous;
  });
}

/** Hands a new login session to the browser: httpOnly, SameSite=Lax, Secure behind https. */
export function setSessionCookie(
  reply: FastifyReply,
  services: Services,
  session: { token: string; expiresAt: Date },
): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config.secureCookies,
    path: '/',
    expires: session.expiresAt,
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export const accessOf = (req: FastifyRequest, services: Services): Access => ({
  caller: req.caller,
  now: services.clock.now(),
});

export function requireLogin(req: FastifyRequest): void {
  if (req.caller.kind === 'anonymous')
    throw new AppError('unauthenticated', 401, 'Log in or send an API key');
}

export function requireRole(req: FastifyRequest, ...roles: FacilityRole[]): void {
  requireLogin(req);
  if (!hasRole(req.caller, ...roles)) {
    throw new AppError('forbidden', 403, `This needs one of the roles: ${roles.join(', ')}`);
  }
}
