import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// A dataset page says how many of its files are only on tape (offline, or coming back): the portal's
// "Download all" then asks for a restore instead of expecting a zip. Few files are in those states,
// so a partial index answers the count for a dataset of a million files at once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX datafile_on_tape_idx ON datafile (dataset_pid) WHERE state IN ('offline', 'restoring');
  `.execute(db);
}
