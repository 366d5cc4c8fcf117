import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';

describe.each(dialects)('catalogue basics on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('reports health once migrated', async () => {
    const res = await t.app.inject('/api/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('shows anonymous users only the public session', async () => {
    const res = await t.app.inject('/api/sessions?count=true');
    expect(res.json().items.map((s: { id: string }) => s.id)).toEqual(['PUB']);
    expect(res.json().total).toBe(1);
  });

  it('shows a member the embargoed session after login', async () => {
    const cookie = await t.login('ada');
    const res = await t.app.inject({ url: '/api/sessions?count=true', headers: { cookie } });
    expect(res.json().items.map((s: { id: string }) => s.id)).toEqual(['EMB', 'PUB']);
    expect(res.json().total).toBe(2);
  });
});
