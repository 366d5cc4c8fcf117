import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// PaNOSC search connections plan every statement for its values (plan_cache_mode force_custom_plan,
// src/search/panosc/service.ts: they prepare their statements, and a generic plan is slower for some
// filters). The two-word function's own statements (migration 0016) run many times per call with
// similar values and gain from plpgsql's cached generic plans: forced to custom plans it took ~25%
// more CPU (23.0 -> 28.6 ms per call on 87 queries of the bench's mix at 1M datasets). It keeps the
// default whatever the session says.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER FUNCTION fairbeam_best_datasets_2(text, text, timestamptz, int, int, int, int)
      SET plan_cache_mode = auto;
  `.execute(db);
}
