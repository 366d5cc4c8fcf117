import { EventEmitter } from 'node:events';
import { sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/connect.ts';

/**
 * Wake-up calls for live readers: "logbook L has new events" or "event E of L changed". Messages
 * carry no data; a reader fetches what it has not seen (with its own access), so a lost or
 * duplicated wake-up never loses or duplicates an event.
 */
export interface LogbookSignal {
  logbookId: string;
  /** Set when an existing event was edited or deleted. */
  eventId?: string;
}

export interface LogbookBus {
  publish(signal: LogbookSignal): Promise<void>;
  /**
   * An SQL expression that publishes the signal when the transaction of the statement holding it
   * commits, saving a round trip; undefined when the bus is in-process (then call publish after).
   */
  publishSql?(signal: LogbookSignal): RawBuilder<unknown>;
  subscribe(logbookId: string, onSignal: (signal: LogbookSignal) => void): Promise<() => void>;
  close(): Promise<void>;
}

/** In-process bus: enough for PGlite, which only one process can open anyway. */
export function localBus(): LogbookBus {
  const emitter = new EventEmitter().setMaxListeners(0);
  return {
    async publish(signal) {
      emitter.emit(signal.logbookId, signal);
    },
    async subscribe(logbookId, onSignal) {
      emitter.on(logbookId, onSignal);
      return () => void emitter.off(logbookId, onSignal);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

const CHANNEL = 'fairbeam_logbook';

/**
 * PostgreSQL LISTEN/NOTIFY: every serve process hears every other's posts. One dedicated
 * connection listens (opened on the first subscriber); publishing is a pg_notify on the pool.
 */
export function postgresBus(pool: pg.Pool): LogbookBus {
  const local = localBus();
  let listener: Promise<pg.Client> | undefined;
  const listen = () =>
    (listener ??= (async () => {
      const client = new pg.Client(pool.options);
      client.on('notification', (msg) => {
        if (msg.channel !== CHANNEL || !msg.payload) return;
        try {
          void local.publish(JSON.parse(msg.payload) as LogbookSignal);
        } catch {
          // not ours
        }
      });
      client.on('error', () => {
        listener = undefined; // the next subscriber reconnects
      });
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      return client;
    })());
  return {
    async publish(signal) {
      await pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(signal)]);
    },
    publishSql: (signal) => sql`pg_notify(${CHANNEL}, ${JSON.stringify(signal)})`,
    async subscribe(logbookId, onSignal) {
      await listen();
      return local.subscribe(logbookId, onSignal);
    },
    async close() {
      await local.close();
      const client = await listener?.catch(() => undefined);
      listener = undefined;
      await client?.end().catch(() => {});
    },
  };
}

const buses = new WeakMap<Database, LogbookBus>();

/** The bus of an open database (one per database object, created on first use). */
export function busFor(database: Database): LogbookBus {
  let bus = buses.get(database);
  if (!bus) {
    bus = database.kind === 'postgres' ? postgresBus(database.pool) : localBus();
    buses.set(database, bus);
  }
  return bus;
}

export async function closeBus(database: Database): Promise<void> {
  await buses.get(database)?.close();
  buses.delete(database);
}
