import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from '../db/connect.ts';
import { DatabaseBusyError, openDatabase } from '../db/open.ts';
import type { PackResult } from '../archive/packing/pack.ts';
import {
  type RecordedPack,
  SessionNotFoundError,
  checkSessionExists,
  recordPack,
} from '../archive/packs/record.ts';
import { CliError, UsageError } from './context.ts';

// `archive pack --session`: the catalogue side. The packer itself never needs a database; only these
// two short visits do (before packing: does the session exist; after: record the result), so the
// embedded database is not held for the hours a large pack takes.

/** Where the catalogue is, for messages (no password). */
function catalogueName(config: Config): string {
  if (!config.databaseUrl) return `the embedded database in ${path.join(config.home, 'db')}`;
  try {
    const u = new URL(config.databaseUrl);
    return `PostgreSQL at ${u.host}${u.pathname}`;
  } catch {
    return 'the PostgreSQL of DATABASE_URL';
  }
}

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
  let database: Database;
  try {
    database = await openDatabase(config, 'archive pack');
  } catch (err) {
    if (err instanceof DatabaseBusyError) throw new CliError(err.message);
    throw new CliError(`cannot open the catalogue (${catalogueName(config)}): ${(err as Error).message}`);
  }
  try {
    return await fn(database);
  } catch (err) {
    if (err instanceof SessionNotFoundError) throw new UsageError(err.message);
    throw err;
  } finally {
    await database.close();
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
