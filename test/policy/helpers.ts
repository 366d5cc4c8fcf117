import type { TestApp } from '../helpers/app.ts';
import { runReleasePass } from '../../src/policy/lifecycle.ts';
import { seedWorld, type World } from '../helpers/world.ts';

/** EMB's release date in the policy world: its end (2026-01-05) plus the 3-year embargo. */
export const EMB_RELEASE = '2029-01-05T00:00:00.000Z';
export const EMB_DOI = '10.5072/tf.emb';
export const PUB_DOI = '10.5072/tf.pub';

/** Moves the test clock to `at` and runs the release job's pass there, as the scheduler would. */
export async function releasePassAt(t: TestApp, at: string) {
  t.clock.set(at);
  return runReleasePass(t.services, t.clock.now(), 'job:policy.release');
}

export async function auditOf(t: TestApp, action: string, target?: string) {
  let q = t.services.database.db.selectFrom('audit_log').selectAll().where('action', '=', action);
  if (target) q = q.where('target', '=', target);
  return q.orderBy('id').execute();
}

export async function getJson(t: TestApp, url: string, cookie?: string) {
  const res = await t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
  return {
    status: res.statusCode,
    body: res.json() as Record<string, unknown> & { items?: Record<string, unknown>[]; total?: number },
  };
}

/** A session of its own, nobody in it: on BL1 under P-EMB, ended 2026-01-05, release 2029-01-05. */
export const addEndedSession = (t: TestApp, id: string) =>
  t.services.database.db
    .insertInto('session')
    .values({
      id,
      proposal_id: 'P-EMB',
      instrument_id: 'BL1',
      start_at: '2026-01-01T00:00:00Z',
      end_at: '2026-01-05T00:00:00Z',
      release_date: EMB_RELEASE,
    })
    .execute();

/**
 * An embargoed session of its own (ended 2026-01-05, release 2029-01-05, on BL1 under P-EMB) with
 * ada as PI and bob as collaborator, one dataset and its DOI, so a test can change its embargo
 * without touching the shared world.
 */
export async function addEmbargoedSession(t: TestApp, id: string) {
  const db = t.services.database.db;
  const users = new Map(
    (await db.selectFrom('app_user').select(['id', 'username']).execute()).map((u) => [u.username, u.id]),
  );
  await addEndedSession(t, id);
  await db
    .insertInto('session_member')
    .values([
      { session_id: id, user_id: users.get('ada')!, role: 'principal_investigator' },
      { session_id: id, user_id: users.get('bob')!, role: 'collaborator' },
    ])
    .execute();
  const pid = `10.5072/fb-ds.${id.toLowerCase()}`;
  await db
    .insertInto('dataset')
    .values({ pid, session_id: id, name: `${id}_scan`, size: 10, file_count: 1 })
    .execute();
  const { ensureDraftDois } = await import('../../src/policy/doi/drafts.ts');
  const [doi] = await ensureDraftDois(db, t.clock.now(), '10.5072', 'test');
  return { id, pid, doi: doi! };
}

export const LANDING_ORCID = '0000-0002-1825-0097';

/** The policy world with what landing pages must get right: markup in titles, ORCIDs, full names. */
export async function seedLandingWorld(t: TestApp): Promise<World> {
  const db = t.services.database.db;
  const w = await seedWorld(db);
  await db
    .updateTable('proposal')
    .set({ title: 'Public <b>saxs</b> & "study"', summary: 'Open <i>summary</i>' })
    .where('id', '=', 'P-PUB')
    .execute();
  await db.updateTable('proposal').set({ summary: 'secret summary' }).where('id', '=', 'P-EMB').execute();
  await db
    .updateTable('app_user')
    .set({ full_name: 'Ada Lovelace', orcid: LANDING_ORCID, affiliation: 'Analytical Engines Ltd' })
    .where('username', '=', 'ada')
    .execute();
  await db.updateTable('app_user').set({ full_name: 'Bob Babbage' }).where('username', '=', 'bob').execute();
  return w;
}
