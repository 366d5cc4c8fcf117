import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { Dialect } from '../helpers/db.ts';
import { seedWorld, type World } from '../helpers/world.ts';

export interface LogbookTestApp extends TestApp {
  world: World;
  home: string;
  /** Cookie headers of the seeded users, logged in once. */
  cookies: Record<'ada' | 'bob' | 'eve' | 'sam', string>;
  /** Authorization header value for an API key. */
  bearer(key: string): { authorization: string };
  /** The id of a session's logbook, read as staff. */
  logbookOf(sessionId: string): Promise<string>;
  post(logbookId: string, body: unknown, headers: Record<string, string>): Promise<LightMyRequestResponse>;
}

/** A real app with the policy world seeded and a private FAIRBEAM_HOME for attachments. */
export async function startLogbookApp(dialect: Dialect, opts: { now?: Date } = {}): Promise<LogbookTestApp> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-logbook-'));
  const t = await startTestApp(dialect, { ...opts, env: { FAIRBEAM_HOME: home } });
  const world = await seedWorld(t.services.database.db);
  const cookies = {
    ada: await t.login('ada'),
    bob: await t.login('bob'),
    eve: await t.login('eve'),
    sam: await t.login('sam'),
  };
  const close = t.close;
  return Object.assign(t, {
    world,
    home,
    cookies,
    bearer: (key: string) => ({ authorization: `Bearer ${key}` }),
    async logbookOf(sessionId: string) {
      const res = await t.app.inject({
        url: `/api/sessions/${sessionId}/logbook`,
        headers: { cookie: cookies.sam },
      });
      if (res.statusCode !== 200) throw new Error(`logbook of ${sessionId}: ${res.statusCode} ${res.body}`);
      return res.json().id as string;
    },
    post(logbookId: string, body: unknown, headers: Record<string, string>) {
      return t.app.inject({
        method: 'POST',
        url: `/api/logbooks/${logbookId}/events`,
        payload: body as object,
        headers,
      });
    },
    async close() {
      await close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  });
}

export const note = (text: string, extra: Record<string, unknown> = {}) => ({
  content: { format: 'plainText', text },
  ...extra,
});
