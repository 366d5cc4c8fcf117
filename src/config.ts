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
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const home = path.resolve(env.FAIRBEAM_HOME ?? '.fairbeam');
  const host = env.HOST ?? '127.0.0.1';
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0-65535, got ${env.PORT}`);
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
  };
}
