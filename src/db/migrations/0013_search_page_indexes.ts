import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// PaNOSC documents with their datasets (bench/panosc.ts, 1M datasets, 10k sessions):
// - dataset (session_id, pid) INCLUDE (techniques): a session's first datasets in pid order (the
//   include's page, a LIMIT per parent) without reading its other datasets, and the document's
//   keywords (its datasets' techniques) from the index alone.
// - session (coalesce(doi, id), id): documents in their default order (pid), so that a page stops
//   after skip + limit sessions instead of sorting every public one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX dataset_session_pid_idx ON dataset (session_id, pid) INCLUDE (techniques);
    CREATE INDEX session_document_pid_idx ON session ((coalesce(doi, id)), id);
  `.execute(db);
}
