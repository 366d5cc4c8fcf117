import { openDatabase, DatabaseBusyError } from '../db/open.ts';
import type { Database } from '../db/connect.ts';
import type { Config } from '../config.ts';
import { CliError } from './context.ts';

/** Opens the database for a CLI command, turning "in use by serve" into a clean one-line error. */
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
    throw e;
  }
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

export const printJson = (out: NodeJS.WritableStream, value: unknown) =>
  out.write(`${JSON.stringify(value, null, 2)}\n`);
