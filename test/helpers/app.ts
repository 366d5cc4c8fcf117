import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { fixedClock } from '../../src/clock.ts';
import type { Services } from '../../src/services.ts';
import { freshDatabase, type Dialect } from './db.ts';
import { NOW, PASSWORD } from './world.ts';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  clock: ReturnType<typeof fixedClock>;
  /** Logs in through the API and returns the Cookie header value. */
  login(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/** A real app (real database of the given dialect, real routes) driven with app.inject(). */
export async function startTestApp(
  dialect: Dialect,
  opts: { now?: Date; env?: NodeJS.ProcessEnv } = {},
): Promise<TestApp> {
  const database = await freshDatabase(dialect);
  const clock = fixedClock(opts.now ?? NOW);
  const config = loadConfig({ FAIRBEAM_HOME: '/nonexistent/fairbeam-test', ...opts.env });
  const services: Services = { config, database, clock };
  const app = await buildApp(services, { webRoot: '/nonexistent' });
  await app.ready();
  return {
    app,
    services,
    clock,
    async login(username, password = PASSWORD) {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
      if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === 'fairbeam_session');
      return `fairbeam_session=${cookie!.value}`;
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}
