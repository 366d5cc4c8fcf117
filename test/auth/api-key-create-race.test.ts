import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';
import { createApiKey } from '../../src/auth/api-keys.ts';

describe.each(dialects)('creating one API key name twice at once (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t?.close());

  it('creates it once and refuses the other with api_key_exists', async () => {
    const db = t.services.database.db;
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () =>
        createApiKey(db, 'twin-software', 'BL1').then(
          () => 'created',
          (e: { code?: string }) => e.code ?? String(e),
        ),
      ),
    );
    expect(outcomes.sort()).toEqual(['api_key_exists', 'api_key_exists', 'created']);
  });
});
