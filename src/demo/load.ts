import type { Db } from '../db/connect.ts';
import type { Config } from '../config.ts';
import { importCatalogue } from '../catalogue/import/run.ts';
import { upsertLocalUser } from '../auth/users.ts';
import { audit } from '../audit/log.ts';
import { DEMO_PASSWORD, DEMO_USERS, demoFacility } from './facility.ts';

/** Loads the demo facility into an empty catalogue; returns false (and changes nothing) otherwise. */
export async function loadDemoIfEmpty(db: Db, config: Config, now: Date): Promise<boolean> {
  const any = await db.selectFrom('proposal').select('id').limit(1).executeTakeFirst();
  if (any) return false;
  await importCatalogue(db, demoFacility(now), config);
  for (const u of DEMO_USERS)
    await upsertLocalUser(db, { username: u.username, password: DEMO_PASSWORD, role: u.role });
  await audit(db, { actor: 'demo', action: 'catalogue.demo_loaded' });
  return true;
}

export function demoLoginsText(): string {
  return DEMO_USERS.map((u) => `  ${u.username.padEnd(6)} / ${DEMO_PASSWORD}   ${u.note}`).join('\n');
}
