import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from '../db/connect.ts';
import type { PackResult } from '../archive/packing/pack.ts';
import {
  type RecordedPack,
  SessionNotFoundError,
  checkSessionExists,
  recordPack,
} from '../archive/packs/record.ts';
import { CliError, UsageError } from './context.ts';
import { withDatabase } from './db.ts';

// `archive pack --session`: the catalogue side. The packer itself never needs a database; only these
// two short visits do (before packing: does the session exist; after: record the result), so the
// embedded database is not held for the hours a large pack takes.

async function withCatalogue<T>(
  config: Config,
  session: string,
  fn: (database: Database) => Promise<T>,
): Promise<T> {
  if (!config.databaseUrl && !fs.existsSync(path.join(config.home, 'db'))) {
    throw new UsageError(
      `no session "${session}": there is no catalogue at ${path.join(config.home, 'db')} ` +
        '(set FAIRBEAM_HOME, or DATABASE_URL for PostgreSQL)',
    );
  }
  try {
    return await withDatabase(config, 'archive pack', fn);
  } catch (err) {
    if (err instanceof SessionNotFoundError) throw new UsageError(err.message);
    throw err;
  }
}

/** Before anything is written: the session must exist (exit 2), the catalogue must open (exit 1). */
export async function checkPackSession(config: Config, session: string): Promise<void> {
  await withCatalogue(config, session, ({ db }) => checkSessionExists(db, session));
}

/** After packing: records the result; on failure says that the containers are there to record again. */
export async function recordPackedSession(
  config: Config,
  result: PackResult,
  settings: { targetSize: number; largeFileThreshold: number },
): Promise<RecordedPack> {
  try {
    return await withCatalogue(config, result.session, ({ db }) => recordPack(db, result, settings));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(
      `the containers are written in ${result.outDir}, but recording them in the catalogue failed ` +
        `(nothing was recorded): ${message}\nRun the same command again to record them ` +
        '(finished containers are kept, not written again).',
    );
  }
}

/** The text lines that say what was recorded. */
export function recordedSummary(recorded: RecordedPack): string[] {
  const lines = [
    `Recorded in the catalogue for session ${recorded.session}: ${recorded.containers} container(s), ` +
      `${recorded.ownTapeFiles} own tape file(s), ${recorded.datafiles} registered datafile(s) located ` +
      `(see \`fairbeam archive containers --session ${recorded.session}\`)`,
  ];
  if (recorded.changed.length > 0) {
    lines.push(`Changed since registered, not linked to their datafile (${recorded.changed.length}):`);
    for (const c of recorded.changed) lines.push(`  ${c.path}: ${c.reason}`);
  }
  return lines;
}
