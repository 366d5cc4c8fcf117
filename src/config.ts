import path from 'node:path';

/** Everything fairbeam reads from the environment. Nothing else in src/ touches process.env. */
export interface Config {
  home: string;
  databaseUrl: string | undefined;
  host: string;
  port: number;
  baseUrl: string;
  dataRoots: string[];
  doiPrefix: string;
  embargoYears: number;
  logLevel: string;
  secureCookies: boolean;
  /** DataCite REST API; unset: DOIs go to the built-in local registrar (stored in the database). */
  datacite: { endpoint: string; prefix: string; username: string; password: string } | undefined;
  /**
   * OpenID Connect login in addition to local accounts; unset: local accounts only. `redirectUrl` is
   * what the provider has registered for this client (default <baseUrl>/api/auth/oidc/callback).
   */
  oidc:
    | {
        issuer: string;
        clientId: string;
        clientSecret: string | undefined;
        redirectUrl: string;
        name: string;
      }
    | undefined;
  /** Contact address the OAI-PMH Identify answer carries. */
  adminEmail: string;
  oaiPageSize: number;
  /** PaNOSC search APIs (base URLs, e.g. https://other.org/panosc/api) that /federated/api fans out to. */
  federatedProviders: string[];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const home = path.resolve(env.FAIRBEAM_HOME ?? '.fairbeam');
  const host = env.HOST ?? '127.0.0.1';
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be 0-65535, got ${env.PORT}`);
  const baseUrl = (env.FAIRBEAM_BASE_URL ?? `http://${host}:${port}`).replace(/\/+$/, '');
  const dataRoots = (env.FAIRBEAM_DATA_ROOTS ?? path.join(home, 'data'))
    .split(':')
    .filter(Boolean)
    .map((p) => path.resolve(p));
  return {
    home,
    databaseUrl: env.DATABASE_URL || undefined,
    host,
    port,
    baseUrl,
    dataRoots,
    doiPrefix: env.FAIRBEAM_DOI_PREFIX ?? '10.5072',
    embargoYears: Number(env.FAIRBEAM_EMBARGO_YEARS ?? 3),
    logLevel: env.LOG_LEVEL ?? 'info',
    secureCookies: baseUrl.startsWith('https:'),
    datacite: env.FAIRBEAM_DATACITE_USERNAME
      ? {
          endpoint: env.FAIRBEAM_DATACITE_URL ?? 'https://api.datacite.org',
          prefix: env.FAIRBEAM_DOI_PREFIX ?? '10.5072',
          username: env.FAIRBEAM_DATACITE_USERNAME,
          password: env.FAIRBEAM_DATACITE_PASSWORD ?? '',
        }
      : undefined,
    oidc: env.FAIRBEAM_OIDC_ISSUER
      ? {
          issuer: env.FAIRBEAM_OIDC_ISSUER,
          clientId: env.FAIRBEAM_OIDC_CLIENT_ID ?? 'fairbeam',
          clientSecret: env.FAIRBEAM_OIDC_CLIENT_SECRET || undefined,
          redirectUrl: env.FAIRBEAM_OIDC_REDIRECT_URL || `${baseUrl}/api/auth/oidc/callback`,
          name: env.FAIRBEAM_OIDC_NAME ?? 'single sign-on',
        }
      : undefined,
    adminEmail: env.FAIRBEAM_ADMIN_EMAIL ?? 'fairbeam@localhost.localdomain',
    oaiPageSize: positiveInt(env.FAIRBEAM_OAI_PAGE_SIZE, 100, 'FAIRBEAM_OAI_PAGE_SIZE'),
    federatedProviders: providerUrls(env.FAIRBEAM_FEDERATED_PROVIDERS),
  };
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

/** FAIRBEAM_FEDERATED_PROVIDERS: base URLs separated by commas or whitespace. */
function providerUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error(`FAIRBEAM_FEDERATED_PROVIDERS: not a URL: ${raw}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`FAIRBEAM_FEDERATED_PROVIDERS: not http(s): ${raw}`);
      return raw.replace(/\/+$/, '');
    });
}
