import type { TestApp } from '../helpers/app.ts';
import { runReleasePass } from '../../src/policy/lifecycle.ts';

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
