import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/connect.ts';
import type { Config } from '../config.ts';
import { importCatalogue } from '../catalogue/import/run.ts';
import { upsertLocalUser } from '../auth/users.ts';
import { audit } from '../audit/log.ts';
import { registerDataset } from '../ingest/registration.ts';
import { DEMO_PASSWORD, DEMO_USERS, demoFacility, demoScans } from './facility.ts';
import { writeDemoScan } from './files.ts';

/** Where the demo writes its scan files: `demo/` in the first data root (by default FAIRBEAM_HOME/data). */
export const demoDataDirectory = (config: Config) => path.join(config.dataRoots[0]!, 'demo');

/**
 * Loads the demo facility into an empty catalogue; returns false (and changes nothing) otherwise.
 * Each demo dataset gets real files on disk (small NeXus, TIFF and text files), registered through
 * the same ingest code as a beamline's, so its page has NeXus metadata, a preview and downloads.
 */
export async function loadDemoIfEmpty(db: Db, config: Config, now: Date): Promise<boolean> {
  const any = await db.selectFrom('proposal').select('id').limit(1).executeTakeFirst();
  if (any) return false;
  await importCatalogue(db, demoFacility(now), config);
  for (const u of DEMO_USERS)
    await upsertLocalUser(db, { username: u.username, password: DEMO_PASSWORD, role: u.role });
  const root = demoDataDirectory(config);
  for (const { sessionId, dataset, scan } of demoScans(now)) {
    const directory = path.join(root, sessionId, dataset);
    // a directory left by an earlier demo home is rewritten, so its files match this catalogue
    await fs.rm(directory, { recursive: true, force: true });
    await writeDemoScan(directory, scan);
    const result = await registerDataset(
      db,
      { sessionId, name: dataset, directory },
      { dataRoots: config.dataRoots, doiPrefix: config.doiPrefix, actor: 'demo' },
    );
    if (result.errors.length)
      throw new Error(
        `demo scan ${directory}: ${result.errors.map((e) => `${e.path}: ${e.reason}`).join('; ')}`,
      );
  }
  await audit(db, { actor: 'demo', action: 'catalogue.demo_loaded' });
  return true;
}

export function demoLoginsText(): string {
  return DEMO_USERS.map((u) => `  ${u.username.padEnd(6)} / ${DEMO_PASSWORD}   ${u.note}`).join('\n');
}
