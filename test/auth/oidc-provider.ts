import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person the test identity provider knows; `sub` is what it calls them forever. */
export interface TestAccount {
  sub: string;
  login: string;
  password: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Registers the client's redirect URL; call before the first login (the client is built lazily). */
  setRedirectUrl(url: string): void;
  close(): Promise<void>;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1 with one confidential
 * client and the given accounts. Its login page is a plain form (login, password, "Sign in" or
 * "Cancel"), so a browser or a test's HTTP client can go through it; consent is implied.
 */
export async function startTestProvider(accounts: TestAccount[]): Promise<TestProvider> {
  const clientId = 'fairbeam-test';
  const clientSecret = randomBytes(24).toString('base64url');
  let provider: Provider | undefined;
  let redirectUrl: string | undefined;
  const server = http.createServer((req, res) => {
    if (!provider) {
      res.statusCode = 503;
      res.end('provider not ready');
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((e: Error) => {
        res.statusCode = 500;
        res.end(`interaction failed: ${e.message}`);
      });
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const jwk = {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: 'test-key',
    use: 'sig',
    alg: 'RS256',
  };
  const build = () => {
    const p = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUrl],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username'],
      },
      findAccount: (_ctx: unknown, sub: string) => {
        const a = accounts.find((x) => x.sub === sub);
        return a
          ? {
              accountId: a.sub,
              claims: () => ({
                sub: a.sub,
                ...(a.email ? { email: a.email, email_verified: a.emailVerified ?? false } : {}),
                name: a.name,
                preferred_username: a.login,
              }),
            }
          : undefined;
      },
    });
    p.on('server_error', (_ctx, err) => console.error('test OIDC provider error', err));
    return p;
  };

  return {
    issuer,
    clientId,
    clientSecret,
    setRedirectUrl(url) {
      redirectUrl = url;
      provider = build();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  async function interaction(p: Provider, req: http.IncomingMessage, res: http.ServerResponse) {
    const details = await p.interactionDetails(req, res);
    const page = (error?: string) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>Test IdP sign-in</title></head><body>
<h1>Test identity provider</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(details.uid)}">
<label>Login <input name="login" autocomplete="username"></label>
<label>Secret <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit" name="action" value="login">Sign in</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form></body></html>`);
    };
    if (req.method === 'GET') return page();
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    if (form.get('action') === 'cancel') {
      return p.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
    }
    const account = accounts.find(
      (a) => a.login === form.get('login') && a.password === form.get('password'),
    );
    if (!account) {
      res.statusCode = 401;
      return page('Unknown login or wrong secret');
    }
    const grant = new p.Grant({ accountId: account.sub, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    return p.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }
}
