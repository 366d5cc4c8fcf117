import * as oidc from 'openid-client';
import type { Db } from '../../db/connect.ts';
import { AppError } from '../../errors.ts';
import { isNetworkFailure, providerConfiguration, providerUnavailable, type OidcSettings } from './client.ts';
import { openState } from './state-cookie.ts';
import { userForIdentity, type LinkedUser } from './link.ts';

export interface CompletedLogin {
  user: LinkedUser;
  issuer: string;
  subject: string;
  returnTo: string;
}

/**
 * Finishes a login from the provider's redirect: checks it against the state cookie (state, then
 * code exchange with the PKCE verifier, then the ID token's nonce, issuer, audience and times),
 * and finds or links the fairbeam user. Throws AppErrors with stable `oidc_*` codes.
 */
export async function completeLogin(
  db: Db,
  settings: OidcSettings,
  search: string,
  stateCookie: string | undefined,
  now: Date,
): Promise<CompletedLogin> {
  const saved = openState(settings, stateCookie, now);
  if (!saved)
    throw new AppError(
      'oidc_state_invalid',
      400,
      'The login took too long, was already used, or did not start in this browser; please start it again',
    );
  const params = new URLSearchParams(search);
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    const said = `${error}${description ? ` (${description})` : ''}`;
    if (error === 'access_denied')
      throw new AppError(
        'oidc_access_denied',
        403,
        `The login was cancelled or refused at the provider: ${said}`,
      );
    throw new AppError('oidc_provider_error', 400, `The identity provider refused the login: ${said}`);
  }
  if (params.get('state') !== saved.state)
    throw new AppError(
      'oidc_state_invalid',
      400,
      'The answer from the identity provider is not for this login',
    );

  const config = await providerConfiguration(settings);
  const currentUrl = new URL(settings.redirectUrl);
  currentUrl.search = params.toString();
  let claims: oidc.IDToken;
  let accessToken: string;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: saved.codeVerifier,
      expectedState: saved.state,
      expectedNonce: saved.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims()!;
    accessToken = tokens.access_token;
  } catch (e) {
    if (isNetworkFailure(e)) throw providerUnavailable(e);
    if (e instanceof oidc.ResponseBodyError)
      throw new AppError(
        'oidc_code_rejected',
        400,
        `The identity provider did not accept the login code (used twice or expired): ${e.error}`,
      );
    // openid-client wraps oauth4webapi's error, whose message names the claim (nonce, iss, aud, ...).
    const detail = ((e as Error).cause as Error | undefined)?.message;
    throw new AppError(
      'oidc_token_invalid',
      400,
      `The identity provider's answer failed its checks: ${(e as Error).message}${detail ? ` (${detail})` : ''}`,
    );
  }
  let profile: Record<string, unknown> = claims;
  if (typeof claims.email !== 'string') {
    // Some providers put the email only in the userinfo answer; without it the user is still let in.
    profile = { ...(await oidc.fetchUserInfo(config, accessToken, claims.sub).catch(() => ({}))), ...claims };
  }
  const issuer = config.serverMetadata().issuer;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const user = await userForIdentity(
    db,
    {
      issuer,
      subject: claims.sub,
      email: str(profile.email),
      emailVerified: profile.email_verified === true,
      name: str(profile.name),
      preferredUsername: str(profile.preferred_username),
    },
    now,
  );
  return { user, issuer, subject: claims.sub, returnTo: saved.returnTo };
}
