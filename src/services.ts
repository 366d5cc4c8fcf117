import type { Config } from './config.ts';
import type { Clock } from './clock.ts';
import type { Database } from './db/connect.ts';

/** The object graph main.ts builds once and hands to the HTTP app, the worker and CLI commands. */
export interface Services {
  config: Config;
  database: Database;
  clock: Clock;
}
