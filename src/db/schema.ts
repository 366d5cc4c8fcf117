/**
 * Kysely's view of the tables (snake_case as in SQL), one module per concept under schema/. Keep in
 * step with migrations/.
 */
export * from './schema/catalogue.ts';
export * from './schema/logbook.ts';
export * from './schema/ingest.ts';
export * from './schema/open-data.ts';
export * from './schema/tape.ts';
import type { CatalogueTables } from './schema/catalogue.ts';
import type { LogbookTables } from './schema/logbook.ts';
import type { IngestTables } from './schema/ingest.ts';
import type { OpenDataTables } from './schema/open-data.ts';
import type { TapeTables } from './schema/tape.ts';

export interface DB extends CatalogueTables, LogbookTables, IngestTables, OpenDataTables, TapeTables {}
