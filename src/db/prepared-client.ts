import pg from 'pg';

/** How many prepared statements one connection keeps (least recently used first out). */
const MAX_PREPARED = 100;

/** SQLSTATE of "cached plan must not change result type" (a prepared `SELECT *` after DDL). */
const CACHED_PLAN_CHANGED = '0A000';

/**
 * A pg client that sends each parameterised statement (Kysely's `query(text, values)`) as a named
 * prepared statement of its connection, so PostgreSQL parses and analyses a text once per
 * connection instead of at every call (with plan_cache_mode force_custom_plan the plan itself is
 * still made for each call's values). Names are never reused; past MAX_PREPARED texts the least
 * recently used is deallocated, so arbitrary filters cannot grow a backend's memory without bound.
 * A statement whose result type changed under it (DDL) is prepared again, once.
 */
export class PreparingClient extends pg.Client {
  #names = new Map<string, string>();
  #next = 0;

  // Every other form of call (configs, callbacks, no values) goes to pg unchanged.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [text, values, callback] = args as [unknown, unknown, unknown];
    if (typeof text !== 'string' || !Array.isArray(values) || callback !== undefined)
      return (super.query as (...a: unknown[]) => unknown)(...args);
    return this.#prepared(text, values).catch((e: unknown) => {
      if ((e as { code?: unknown }).code !== CACHED_PLAN_CHANGED) throw e;
      this.#forget(text);
      return this.#prepared(text, values);
    });
  }

  #prepared(text: string, values: unknown[]): Promise<pg.QueryResult> {
    let name = this.#names.get(text);
    if (name !== undefined) this.#names.delete(text);
    else name = `fairbeam_${++this.#next}`;
    this.#names.set(text, name); // most recently used last
    if (this.#names.size > MAX_PREPARED) this.#forget(this.#names.keys().next().value!);
    return super.query({ name, text, values });
  }

  /** Deallocates a text's statement on the server (when it got there) and forgets it here. */
  #forget(text: string): void {
    const name = this.#names.get(text);
    if (name === undefined) return;
    this.#names.delete(text);
    // pg's own record of what the connection has parsed (never read again: names are not reused).
    const { parsedStatements, submittedNamedStatements } = (
      this as unknown as { connection: Record<string, Record<string, string> | undefined> }
    ).connection;
    if (parsedStatements?.[name] === undefined && submittedNamedStatements?.[name] === undefined) return;
    delete parsedStatements?.[name];
    // Queued before the next statement; a connection that is gone has no statements left anyway.
    super.query(`DEALLOCATE ${name}`).catch(() => {});
  }
}
