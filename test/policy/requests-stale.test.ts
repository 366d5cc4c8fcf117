import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld } from '../helpers/world.ts';
import { addEmbargoedSession } from './helpers.ts';

describe.each(dialects)('approving an extension the release date has overtaken (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('never moves the release date earlier: 409, and the later date stays', async () => {
    t.clock.set(NOW);
    const db = t.services.database.db;
    await addEmbargoedSession(t, 'STALE-1');
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/sessions/STALE-1/policy-requests',
      headers: { cookie: await t.login('ada') },
      payload: { kind: 'extension', releaseDate: '2030-01-05T00:00:00Z', reason: 'thesis' },
    });
    expect(asked.statusCode).toBe(201);
    // Meanwhile the user office moved the session's release date beyond the requested one (re-import).
    await db
      .updateTable('session')
      .set({ release_date: new Date('2031-01-05T00:00:00Z') })
      .where('id', '=', 'STALE-1')
      .execute();
    const approved = await t.app.inject({
      method: 'POST',
      url: `/api/policy-requests/${asked.json().id}/approve`,
      headers: { cookie: await t.login('dora') },
    });
    expect([approved.statusCode, approved.json().code]).toEqual([409, 'release_date_not_later']);
    const s = await db
      .selectFrom('session')
      .select('release_date')
      .where('id', '=', 'STALE-1')
      .executeTakeFirstOrThrow();
    expect(s.release_date.toISOString()).toBe('2031-01-05T00:00:00.000Z');
  });
});
