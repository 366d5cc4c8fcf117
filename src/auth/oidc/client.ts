import * as oidc from 'openid-client';
import { AppError } from '../../errors.ts';
import type { Config } from '../../config.ts';

export type OidcSettings = NonNullable<Config['oidc']>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const discovered = new Map<string, Promise<oidc.Configuration>>();

/**
 * The identity provider's configuration, discovered once per process (retried after a failure).
 * Plain http is accepted only for a provider on this machine (development and tests).
 */
export function providerConfiguration(s: OidcSettings): Promise<oidc.Configuration> {
  const key = `${s.issuer}|${s.clientId}`;
  let found = discovered.get(key);
  if (!found) {
    const issuer = new URL(s.issuer);
    const insecure = issuer.protocol === 'http:';
    if (insecure && !LOOPBACK.has(issuer.hostname)) {
      return Promise.reject(
        new AppError('oidc_misconfigured', 503, 'The OIDC issuer must use https (http only on loopback)'),
      );
    }
    found = oidc
      .discovery(
        issuer,
        s.clientId,
        s.clientSecret,
        s.clientSecret ? undefined : oidc.None(),
        insecure ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
      )
      .catch((e: unknown) => {
        discovered.delete(key);
        throw providerUnavailable(e);
      });
    discovered.set(key, found);
  }
  return found;
}

export const providerUnavailable = (e: unknown) =>
  new AppError('oidc_unavailable', 503, `The identity provider cannot be reached: ${(e as Error).message}`);

/** A failure to talk to the provider at all (refused, reset, timed out), as opposed to a refusal. */
export function isNetworkFailure(e: unknown): boolean {
  const err = e as { name?: string; message?: string; cause?: { code?: string; name?: string } };
  return (
    (err?.name === 'TypeError' && /fetch failed/i.test(err.message ?? '')) ||
    err?.name === 'TimeoutError' ||
    err?.name === 'AbortError' ||
    /^E(CONNREFUSED|CONNRESET|HOSTUNREACH|NOTFOUND|TIMEDOUT)$/.test(err?.cause?.code ?? '')
  );
}

export const oidcSettings = (config: Config): OidcSettings => {
  if (!config.oidc)
    throw new AppError('oidc_not_configured', 404, 'Single sign-on (OIDC) is not configured on this server');
  return config.oidc;
};
