import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// PaNOSC search at catalogue scale (bench/panosc.ts, 1M datasets / 10M parameters), answered from
// indexes alone where the heap holds wide rows (a dataset row carries its search vector):
// - a parameter range in SI units (`name = ? AND si_unit = ? AND si_value BETWEEN ? AND ?`) yields its
//   datasets from the index, without visiting 10M parameter rows;
// - a dataset's session (the embargo predicate) and techniques come from a covering index, so
//   candidates are checked, ordered by pid and counted without reading dataset rows; only the page's
//   rows are read;
// - the planner learns that a parameter's name determines its SI unit: without it, it multiplies their
//   selectivities, expects a hundredth of the parameters a range matches and picks a plan that checks
//   every candidate instead of walking datasets in page order.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX parameter_name_unit_si_idx ON parameter (name, si_unit, si_value) INCLUDE (dataset_pid);
    CREATE INDEX dataset_pid_covering_idx ON dataset (pid) INCLUDE (session_id, techniques);
    CREATE STATISTICS parameter_name_unit_dep (dependencies) ON name, si_unit FROM parameter;
  `.execute(db);
}
