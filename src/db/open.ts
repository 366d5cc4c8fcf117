import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { openPglite, openPostgres, type Database } from './connect.ts';
import { migrateToLatest } from './migrate.ts';
import { syncTechniques } from '../catalogue/techniques/repo.ts';

/** Raised when another process holds the embedded database of the same FAIRBEAM_HOME. */
export class DatabaseBusyError extends Error {}

interface LockInfo {
  pid: number;
  command: string;
  url?: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * PGlite is one process's file store: a second opener would corrupt it. A lock file names the
 * holder, so a second command fails at once with a message instead of hanging or corrupting.
 */
function lockEmbedded(home: string, command: string, url?: string): () => void {
  const lockPath = path.join(home, 'db.lock');
  fs.mkdirSync(home, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, command, url } satisfies LockInfo), {
        flag: 'wx',
      });
      const release = () => {
        try {
          const held = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockInfo;
          if (held.pid === process.pid) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let held: LockInfo | undefined;
      try {
        held = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockInfo;
      } catch {
        held = undefined;
      }
      if (held && held.pid !== process.pid && alive(held.pid)) {
        throw new DatabaseBusyError(
          `the embedded database in ${home} is in use by "fairbeam ${held.command}" (pid ${held.pid}${held.url ? `, ${held.url}` : ''}); ` +
            'stop it first, use its HTTP API, or set DATABASE_URL to a PostgreSQL server',
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale lock of a dead process
    }
  }
  throw new DatabaseBusyError(`could not lock ${lockPath}`);
}

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite under FAIRBEAM_HOME, migrated and ready. */
export async function openDatabase(config: Config, command: string, url?: string): Promise<Database> {
  let database: Database;
  if (config.databaseUrl) {
    database = openPostgres(config.databaseUrl);
  } else {
    const release = lockEmbedded(config.home, command, url);
    try {
      database = await openPglite(path.join(config.home, 'db'));
    } catch (e) {
      release();
      throw e;
    }
    const close = database.close;
    database.close = async () => {
      await close();
      release();
    };
  }
  await migrateToLatest(database.db);
  await syncTechniques(database.db);
  return database;
}
