import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld } from '../helpers/world.ts';
import { userForIdentity } from '../../src/auth/oidc/link.ts';

describe.each(dialects)(
  'first logins of several identities with one verified email at once (%s)',
  (dialect) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      await seedWorld(t.services.database.db);
      await t.services.database.db
        .updateTable('app_user')
        .set({ email: 'bob@race.example' })
        .where('username', '=', 'bob')
        .execute();
    });
    afterAll(() => t?.close());

    // Several rounds, each with a provider of its own: one round does not always interleave the logins.
    it.each([0, 1, 2, 3, 4, 5])(
      'link the account to one of them only; the others get 409 oidc_account_linked (round %i)',
      async (round) => {
        const issuer = `https://idp${round}.race.example`;
        const db = t.services.database.db;
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            userForIdentity(
              db,
              { issuer, subject: `sub-${i}`, email: 'Bob@race.example', emailVerified: true },
              NOW,
            ).then(
              (u) => `${u.how}:${u.username}`,
              (e: { code?: string }) => e.code ?? String(e),
            ),
          ),
        );
        const links = await db
          .selectFrom('oidc_identity')
          .select('subject')
          .where('issuer', '=', issuer)
          .execute();
        expect(links).toHaveLength(1);
        expect(outcomes.sort()).toEqual(['email:bob', ...Array(5).fill('oidc_account_linked')]);
      },
    );
  },
);
