import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, untilWaitingOnLock } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld } from '../helpers/world.ts';
import { addEmbargoedSession } from './helpers.ts';

describe.each(dialects)('embargo requests sent at the same time (%s)', (dialect) => {
  let t: TestApp;
  let ada: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
    ada = await t.login('ada');
  });
  afterAll(() => t.close());

  const ask = (session: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/sessions/${session}/policy-requests`,
      headers: { cookie: ada },
      payload: { kind: 'early_release', reason: 'paper accepted' },
    });

  it('answers 409 policy_request_pending to all but one of several simultaneous requests', async () => {
    t.clock.set(NOW);
    await addEmbargoedSession(t, 'RACE-1');
    const answers = await Promise.all(Array.from({ length: 8 }, () => ask('RACE-1')));
    const seen = answers.map((a) => [a.statusCode, a.json().code ?? 'created']);
    expect(seen.filter(([s]) => s === 201)).toHaveLength(1);
    expect(seen.filter(([s]) => s !== 201)).toEqual(Array(7).fill([409, 'policy_request_pending']));
  });

  // Needs a second connection to hold the other request open; PGlite has one.
  if (dialect === 'postgres')
    it('answers 409, not 500, when another request is committed between the check and the insert', async () => {
      t.clock.set(NOW);
      await addEmbargoedSession(t, 'RACE-2');
      const db = t.services.database.db;
      const ada = await db
        .selectFrom('app_user')
        .select('id')
        .where('username', '=', 'ada')
        .executeTakeFirstOrThrow();
      let commit!: () => void;
      const held = new Promise<void>((r) => (commit = r));
      let inserted!: () => void;
      const isIn = new Promise<void>((r) => (inserted = r));
      // Another request, inserted but not yet committed: the HTTP one sees no open request, then
      // waits on the unique index until this commits.
      const other = db.transaction().execute(async (tx) => {
        await tx
          .insertInto('policy_request')
          .values({
            session_id: 'RACE-2',
            kind: 'early_release',
            reason: 'other',
            requested_by: ada.id,
            requested_at: NOW,
          })
          .execute();
        inserted();
        await held;
      });
      await isIn;
      const answer = ask('RACE-2');
      await untilWaitingOnLock(db);
      commit();
      await other;
      const res = await answer;
      expect([res.statusCode, res.json().code]).toEqual([409, 'policy_request_pending']);
    });
});
