import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import type { Services } from '../../services.ts';
import { AppError } from '../../errors.ts';
import { audit } from '../../audit/log.ts';
import { SESSION_TTL_MS } from '../user-sessions.ts';
import { setSessionCookie } from '../../http/auth.ts';
import { randomToken, tokenHash } from '../tokens.ts';
import { oidcSettings, providerConfiguration } from './client.ts';
import { safeReturnTo, sealState, STATE_COOKIE, STATE_TTL_MS } from './state-cookie.ts';
import { completeLogin } from './callback.ts';
import { OidcInfoWire } from '../wire.ts';

const COOKIE_PATH = '/api/auth/oidc';
const errors = {
  400: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  503: Type.Ref('Error'),
};

/**
 * Login with OpenID Connect (authorization code flow with PKCE, state and nonce), next to local
 * accounts: /api/auth/oidc/login sends the browser to the provider, /api/auth/oidc/callback
 * comes back with a code, links the identity to a fairbeam user and sets the session cookie.
 * A browser that navigates here is sent back to the portal's login page with `?oidc_error=<code>`
 * when something fails; other clients get the JSON error.
 */
export const oidcRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const tags = ['auth'];

    const failed = async (req: FastifyRequest, reply: FastifyReply, e: unknown) => {
      if (!(e instanceof AppError)) throw e;
      await audit(db, {
        actor: 'anonymous',
        action: 'login.failed',
        details: { ip: req.ip, method: 'oidc', code: e.code },
      });
      if (!(req.headers.accept ?? '').includes('text/html')) throw e;
      return reply.redirect(`/login?oidc_error=${encodeURIComponent(e.code)}`, 302);
    };

    app.get(
      '/auth/oidc',
      {
        schema: {
          tags,
          summary: 'Whether single sign-on is offered (for the login page)',
          response: {
            200: OidcInfoWire,
          },
        },
      },
      async () =>
        services.config.oidc
          ? { enabled: true, name: services.config.oidc.name, loginUrl: `${COOKIE_PATH}/login` }
          : { enabled: false },
    );

    app.get(
      '/auth/oidc/login',
      {
        schema: {
          tags,
          summary: 'Start an OIDC login: redirects to the identity provider',
          querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2000 })) }),
          response: { 302: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        try {
          const settings = oidcSettings(services.config);
          const config = await providerConfiguration(settings);
          const codeVerifier = oidc.randomPKCECodeVerifier();
          const state = oidc.randomState();
          const nonce = oidc.randomNonce();
          const url = oidc.buildAuthorizationUrl(config, {
            redirect_uri: settings.redirectUrl,
            scope: 'openid email profile',
            code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
            code_challenge_method: 'S256',
            state,
            nonce,
          });
          const expiresAt = services.clock.now().getTime() + STATE_TTL_MS;
          const sealed = sealState(settings, {
            state,
            nonce,
            codeVerifier,
            returnTo: safeReturnTo(req.query.returnTo),
            expiresAt,
          });
          // SameSite=Lax: the provider's redirect back is a top-level GET, which Lax cookies go along with.
          reply.setCookie(STATE_COOKIE, sealed, {
            httpOnly: true,
            sameSite: 'lax',
            secure: services.config.secureCookies,
            path: COOKIE_PATH,
            maxAge: STATE_TTL_MS / 1000,
          });
          return reply.redirect(url.href, 302);
        } catch (e) {
          return failed(req, reply, e);
        }
      },
    );

    app.get(
      '/auth/oidc/callback',
      {
        schema: {
          tags,
          summary: 'Where the identity provider sends the browser back',
          response: { 302: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        // The state cookie is good for one answer, whatever its outcome.
        reply.clearCookie(STATE_COOKIE, { path: COOKIE_PATH });
        try {
          const settings = oidcSettings(services.config);
          const now = services.clock.now();
          const search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
          const done = await completeLogin(db, settings, search, req.cookies[STATE_COOKIE], now);
          const token = randomToken();
          const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
          await db
            .insertInto('user_session')
            .values({ token_hash: tokenHash(token), user_id: done.user.userId, expires_at: expiresAt })
            .execute();
          await audit(db, {
            actor: `user:${done.user.username}`,
            action: 'login',
            details: {
              ip: req.ip,
              method: 'oidc',
              issuer: done.issuer,
              subject: done.subject,
              linkedBy: done.user.how,
            },
          });
          setSessionCookie(reply, services, { token, expiresAt });
          return reply.redirect(done.returnTo, 302);
        } catch (e) {
          return failed(req, reply, e);
        }
      },
    );
  };
