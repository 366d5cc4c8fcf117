import path from 'node:path';
import { openDatabase, DatabaseBusyError } from '../db/open.ts';
import type { Database } from '../db/connect.ts';
import type { Config } from '../config.ts';
import { CliError } from './context.ts';

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

/**
 * Opens the database for a CLI command; "in use by serve" and any other failure to open become a
 * clean one-line error that says which catalogue (never its password).
 */
export async function withDatabase<T>(
  config: Config,
  command: string,
  fn: (database: Database) => Promise<T>,
): Promise<T> {
  let database: Database;
  try {
    database = await openDatabase(config, command);
  } catch (e) {
    if (e instanceof DatabaseBusyError) throw new CliError(e.message);
    throw new CliError(`cannot open the catalogue (${catalogueName(config)}): ${(e as Error).message}`);
  }
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

export const printJson = (out: NodeJS.WritableStream, value: unknown) =>
  out.write(`${JSON.stringify(value, null, 2)}\n`);
