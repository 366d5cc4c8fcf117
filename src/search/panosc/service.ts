import { sql } from 'kysely';
import type { Database, Db } from '../../db/connect.ts';
import { AppError } from '../../errors.ts';

/** How long one search statement may run before PostgreSQL cancels it. */
const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * Runs a search in a read-only transaction with a statement timeout, and turns what a user's filter
 * can still provoke in PostgreSQL (a value out of range, a timeout) into 4xx/503 answers instead of 500.
 */
export async function runSearch<T>(
  database: Pick<Database, 'db' | 'kind'>,
  fn: (tx: Db) => Promise<T>,
): Promise<T> {
  try {
    // PGlite is one in-process connection: no other session to protect, and no timer to cancel a
    // statement with, so the transaction would only cost round trips.
    if (database.kind === 'pglite') return await fn(database.db);
    return await database.db.connection().execute(async (conn) => {
      // The transaction and its settings in one round trip (a query without parameters goes by the
      // simple protocol, which takes several statements): Kysely's transaction() sends BEGIN alone.
      // JIT compilation costs 100-300 ms per statement at catalogue scale (the planner's estimates
      // of a text search over many rows trigger it), more than the searches themselves then take.
      // work_mem: counting the distinct datasets of several technique families hashes ~100k pids at
      // 1M datasets, which spills to disk with the default 4 MB. No parallel workers: starting them
      // costs ~20 ms, more than a search's page takes, and the cores serve other requests meanwhile.
      await sql
        .raw(
          `BEGIN READ ONLY; SELECT set_config('statement_timeout', '${STATEMENT_TIMEOUT_MS}', true), ` +
            `set_config('jit', 'off', true), set_config('work_mem', '32MB', true), ` +
            `set_config('max_parallel_workers_per_gather', '0', true)`,
        )
        .execute(conn);
      let result: T;
      try {
        result = await fn(conn);
      } catch (e) {
        await sql
          .raw('ROLLBACK')
          .execute(conn)
          .catch(() => {});
        throw e;
      }
      await sql.raw('COMMIT').execute(conn);
      return result;
    });
  } catch (e) {
    throw mapDatabaseError(e);
  }
}

function mapDatabaseError(e: unknown): unknown {
  if (e instanceof AppError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return e;
  // Class 22: data exceptions (a number out of range, a malformed pattern...): the filter's fault.
  if (code.startsWith('22') || code === '54001') {
    return new AppError('invalid_filter', 400, `The filter cannot be evaluated: ${(e as Error).message}`);
  }
  if (code === '57014')
    return new AppError('search_timeout', 503, 'The search took too long; narrow the filter');
  return e;
}
