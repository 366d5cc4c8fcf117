import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';

describe.each(dialects)('POST /api/datasets with file times (%s)', (dialect) => {
  let t: TestApp;
  let sam: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
    sam = await t.login('sam');
  });
  afterAll(() => t.close());

  const register = (name: string, mtime: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      headers: { cookie: sam },
      payload: {
        session: 'PUB',
        name,
        files: [
          { path: 'a.h5', size: 1 },
          { path: 'b.h5', size: 2, mtime },
        ],
      },
    });

  it('refuses with a 400 naming the file an mtime JavaScript cannot hold (a leap second)', async () => {
    const res = await register('leap', '2016-12-31T23:59:60Z');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', details: [{ path: '/files/1/mtime' }] });
    const db = t.services.database.db;
    expect(await db.selectFrom('dataset').select('pid').where('name', '=', 'leap').execute()).toEqual([]);
  });

  it('stores an ordinary mtime', async () => {
    const res = await register('plain', '2016-12-31T23:59:59Z');
    expect(res.statusCode).toBe(201);
    const row = await t.services.database.db
      .selectFrom('datafile')
      .select('mtime')
      .where('dataset_pid', '=', res.json().pid)
      .where('path', '=', 'b.h5')
      .executeTakeFirstOrThrow();
    expect(row.mtime!.toISOString()).toBe('2016-12-31T23:59:59.000Z');
  });
});
