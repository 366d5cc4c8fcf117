import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld } from '../helpers/world.ts';

describe.each(dialects)('an embargo extension to a date-time Date cannot hold (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('is refused for what it is (a leap second), not as a date before the current release', async () => {
    t.clock.set(NOW);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/sessions/EMB/policy-requests',
      headers: { cookie: await t.login('ada') },
      payload: { kind: 'extension', releaseDate: '2030-12-31T23:59:60Z', reason: 'leap' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', details: [{ path: '/releaseDate' }] });
  });
});
