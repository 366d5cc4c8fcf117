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
];

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}

/** Runs `vite build` unless dist/web is newer than every portal source file. */
export async function ensurePortalBuilt(): Promise<void> {
  const index = path.join(WEB_ROOT, 'index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= Math.max(...SOURCES.map(newestMtime))) return;
  const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
  await promisify(execFile)(
    process.execPath,
    [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      timeout: 180_000,
    },
  );
}

export interface PortalServer {
  url: string;
  world: World;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The real app on an ephemeral port, serving the built portal over the seeded policy world at NOW. */
export async function startPortalServer(): Promise<PortalServer> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-portal-'));
  let database: Database | undefined;
  try {
    database = await freshDatabase('pglite');
    const world = await seedWorld(database.db);
    const services = { config: loadConfig({ FAIRBEAM_HOME: home }), database, clock: fixedClock(NOW) };
    const app = await buildApp(services, { webRoot: WEB_ROOT });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    const db = database;
    return {
      url: `http://127.0.0.1:${address.port}`,
      world,
      app,
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
