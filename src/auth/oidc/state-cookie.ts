import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OidcSettings } from './client.ts';

/** What the login start hands to the callback, through the browser: kept in a signed cookie. */
export interface LoginState {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  expiresAt: number;
}

export const STATE_COOKIE = 'fairbeam_oidc';
export const STATE_TTL_MS = 10 * 60 * 1000;

// Without a client secret (public client) the key is per process: a login must then come back to
// the process that started it, which holds for one `serve`; several need FAIRBEAM_OIDC_CLIENT_SECRET.
const processKey = randomBytes(32);
const keyFor = (s: OidcSettings) =>
  s.clientSecret
    ? createHash('sha256').update(`fairbeam-oidc-state\0${s.issuer}\0${s.clientSecret}`).digest()
    : processKey;

/** `payload.signature`, both base64url; the signature covers the payload with HMAC-SHA256. */
export function sealState(s: OidcSettings, state: LoginState): string {
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${payload}.${createHmac('sha256', keyFor(s)).update(payload).digest('base64url')}`;
}

/** The state, if the cookie is ours, untampered and not expired. */
export function openState(s: OidcSettings, cookie: string | undefined, now: Date): LoginState | undefined {
  const [payload, signature, extra] = (cookie ?? '').split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const expected = createHmac('sha256', keyFor(s)).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LoginState;
    return typeof state.expiresAt === 'number' && state.expiresAt > now.getTime() ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Only a path on this site: an open redirect after login would hand a phisher a trusted link. */
export const safeReturnTo = (value: unknown): string =>
  typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/';
