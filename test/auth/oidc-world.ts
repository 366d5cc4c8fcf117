import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { fixedClock } from '../../src/clock.ts';
import type { Services } from '../../src/services.ts';
import { freshDatabase, type Dialect } from '../helpers/db.ts';
import { NOW, seedWorld, type World } from '../helpers/world.ts';
import { startTestProvider, type TestAccount, type TestProvider } from './oidc-provider.ts';

export interface OidcWorld {
  provider: TestProvider;
  /** fairbeam's base URL (listening on 127.0.0.1) */
  url: string;
  app: FastifyInstance;
  services: Services;
  world: World;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/**
 * A real identity provider and fairbeam (seeded policy world, fixed clock at NOW) configured to
 * use it, both listening on loopback, as an operator would set them up.
 */
export async function startOidcWorld(
  dialect: Dialect,
  accounts: TestAccount[],
  opts: { webRoot?: string } = {},
): Promise<OidcWorld> {
  const provider = await startTestProvider(accounts);
  const port = await freePort();
  const config = loadConfig({
    FAIRBEAM_HOME: '/nonexistent/fairbeam-test',
    PORT: String(port),
    FAIRBEAM_OIDC_ISSUER: provider.issuer,
    FAIRBEAM_OIDC_CLIENT_ID: provider.clientId,
    FAIRBEAM_OIDC_CLIENT_SECRET: provider.clientSecret,
    FAIRBEAM_OIDC_NAME: 'Test IdP',
  });
  provider.setRedirectUrl(config.oidc!.redirectUrl);
  const database = await freshDatabase(dialect);
  const services: Services = { config, database, clock: fixedClock(NOW) };
  const world = await seedWorld(database.db);
  const app = await buildApp(services, { webRoot: opts.webRoot ?? '/nonexistent' });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    provider,
    url: config.baseUrl,
    app,
    services,
    world,
    async close() {
      await app.close();
      await database.close();
      await provider.close();
    },
  };
}

/**
 * A minimal browser for API-level tests: one cookie jar (cookies are per host, not per port, as in
 * browsers), manual redirects, so a test can stop at any hop and replay or tamper with it.
 */
export class CookieClient {
  readonly jar = new Map<string, { value: string; path: string }>();

  cookieHeader(url: URL): string {
    return [...this.jar]
      .filter(([, c]) => url.pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; accept?: string } = {}) {
    const u = new URL(url);
    const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(u, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const path =
        attrs
          .map((a) => a.trim())
          .find((a) => a.toLowerCase().startsWith('path='))
          ?.slice(5) ?? '/';
      const expired = attrs.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a)) || value === '';
      if (expired) this.jar.delete(name);
      else this.jar.set(name, { value, path });
    }
    const location = res.headers.get('location');
    return { status: res.status, location: location ? new URL(location, u).href : undefined, res };
  }

  /** Follows redirects while `until(url)` is false; returns the first URL it matches (not fetched). */
  async follow(url: string, until: (u: string) => boolean, accept?: string): Promise<string> {
    let current = url;
    for (let hop = 0; hop < 20; hop++) {
      if (until(current)) return current;
      const r = await this.request(current, { accept });
      if (!r.location) throw new Error(`no redirect from ${current}: ${r.status} ${await r.res.text()}`);
      current = r.location;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}
