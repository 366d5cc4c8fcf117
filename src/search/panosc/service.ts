import type { Database, Db } from '../../db/connect.ts';
import { AppError } from '../../errors.ts';

/** How long one search statement may run before PostgreSQL cancels it. */
const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * The settings every search statement runs with on PostgreSQL. Read-only: a search can never write.
 * JIT compilation costs 100-300 ms per statement at catalogue scale (the planner's estimates of a
 * text search over many rows trigger it), more than the searches themselves then take. work_mem:
 * counting the distinct datasets of several technique families hashes ~100k pids at 1M datasets,
 * which spills to disk with the default 4 MB. No parallel workers: starting them costs ~20 ms, more
 * than a search's page takes, and the cores serve other requests meanwhile. Plans are made for each
 * call's values (force_custom_plan): the pool prepares its statements (PreparingClient) to skip
 * parsing them again, and a generic plan, made once for any values, was several times slower for
 * some (an instrument's page and its include: 2.0 -> 10.4 ms of PostgreSQL CPU at 1M datasets).
 * The two-word function keeps the default for its own statements (migration 0018).
 */
export const searchSettings = (timeoutMs = STATEMENT_TIMEOUT_MS): Record<string, string> => ({
  default_transaction_read_only: 'on',
  statement_timeout: String(timeoutMs),
  jit: 'off',
  work_mem: '32MB',
  max_parallel_workers_per_gather: '0',
  plan_cache_mode: 'force_custom_plan',
});

/**
 * Runs a search read-only with a statement timeout, and turns what a user's filter can still provoke
 * in PostgreSQL (a value out of range, a timeout) into 4xx/503 answers instead of 500.
 */
export async function runSearch<T>(
  database: Pick<Database, 'db' | 'kind' | 'withSettings'>,
  fn: (db: Db) => Promise<T>,
  timeoutMs = STATEMENT_TIMEOUT_MS,
): Promise<T> {
  try {
    // PGlite is one in-process connection: no other session to protect, and no timer to cancel a
    // statement with, so the settings would only cost round trips.
    if (database.kind === 'pglite') return await fn(database.db);
    // A pool whose connections carry the settings from their start (searchSettings): each statement
    // is its own read-only transaction, with no BEGIN, SET or COMMIT round trips (they were 2 of a
    // one-statement search's 3). The statements of one search share a connection; each sees the
    // catalogue as of its own start, as in the READ COMMITTED transaction this replaced.
    if (!database.withSettings) throw new Error('internal: a PostgreSQL database without withSettings()');
    return await database
      .withSettings(searchSettings(timeoutMs))
      .connection()
      .execute((conn) => fn(conn));
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
