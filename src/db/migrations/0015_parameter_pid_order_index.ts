import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// PaNOSC datasets filtered by a parameter range, in pid order (bench/panosc.ts, 1M datasets, 10M
// parameters): parameter (name, si_unit, dataset_pid) INCLUDE (si_value) gives one parameter's
// entries in dataset order, so that a page of datasets merges with them and stops after skip + limit
// matches, the range tested on the index entries. Through (name, si_unit, si_value) every match of
// the range (~25k of 1M) was read and sorted by pid first. The search writes the range so that only
// this walk can use it (src/search/panosc/compile.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  // IF NOT EXISTS: the bench's kept 1M database got the index by hand while it was measured.
  await sql`
    CREATE INDEX IF NOT EXISTS parameter_name_unit_pid_idx ON parameter (name, si_unit, dataset_pid)
      INCLUDE (si_value)
  `.execute(db);
}
