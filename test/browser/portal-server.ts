import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { fixedClock } from '../../src/clock.ts';
import type { Database } from '../../src/db/connect.ts';
import { freshDatabase } from '../helpers/db.ts';
import { NOW, seedWorld, type World } from '../helpers/world.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_ROOT = path.join(ROOT, 'dist/web');
const SOURCES = [
  path.join(ROOT, 'web/src'),
  path.join(ROOT, 'web/index.html'),
  path.join(ROOT, 'web/vite.config.ts'),
  path.join(ROOT, 'web/preview'),
];

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}

/**
 * Runs the two `vite build`s of `npm run build:web` (portal, then the HDF5 preview page into
 * dist/web/preview) unless both outputs are newer than every portal source file. Browser test files
 * run in parallel workers, so the check and the build happen under a lock directory.
 */
export async function ensurePortalBuilt(): Promise<void> {
  const lock = path.join(ROOT, 'dist/.web-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (const started = Date.now(); ;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // a lock left by a killed run is stale after the build's own timeout
      if (Date.now() - started > 200_000) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    const newest = Math.max(...SOURCES.map(newestMtime));
    const built = (p: string) => fs.existsSync(p) && fs.statSync(p).mtimeMs >= newest;
    if (built(path.join(WEB_ROOT, 'index.html')) && built(path.join(WEB_ROOT, 'preview/index.html'))) return;
    const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
    for (const config of ['web/vite.config.ts', 'web/preview/vite.config.ts'])
      await promisify(execFile)(process.execPath, [vite, 'build', '--config', config, '--logLevel', 'warn'], {
        cwd: ROOT,
        timeout: 180_000,
        // vitest sets NODE_ENV=test, which would make vite bundle React's development build
        env: { ...process.env, NODE_ENV: 'production' },
      });
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface PortalServer {
  url: string;
  world: World;
  app: FastifyInstance;
  database: Database;
  close(): Promise<void>;
}

/**
 * The real app on an ephemeral port, serving the built portal over the seeded policy world at NOW.
 * `env` adds configuration (e.g. FAIRBEAM_DATA_ROOTS for tests that register real files).
 */
export async function startPortalServer(env: Record<string, string> = {}): Promise<PortalServer> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-portal-'));
  let database: Database | undefined;
  try {
    database = await freshDatabase('pglite');
    const world = await seedWorld(database.db);
    const services = {
      config: loadConfig({ FAIRBEAM_HOME: home, ...env }),
      database,
      clock: fixedClock(NOW),
    };
    const app = await buildApp(services, { webRoot: WEB_ROOT, logger: { level: 'error' } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    const db = database;
    return {
      url: `http://127.0.0.1:${address.port}`,
      world,
      app,
      database,
      async close() {
        await app.close();
        await db.close();
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await database?.close();
    fs.rmSync(home, { recursive: true, force: true });
    throw e;
  }
}
