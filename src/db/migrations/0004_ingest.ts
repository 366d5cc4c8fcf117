import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Where a dataset's files are on disk: datafile.path is relative to root (an absolute directory
    -- under one of the configured data roots). Datasets registered without a directory have none.
    CREATE TABLE dataset_location (
      dataset_pid text PRIMARY KEY REFERENCES dataset(pid) ON DELETE CASCADE,
      root text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- One row per ingest (CLI or HTTP): what was asked, how far it got, what went wrong. A run killed
    -- mid-way stays 'running'; re-running converges because datafiles are upserted.
    CREATE TABLE ingest_run (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      dataset_pid text NOT NULL REFERENCES dataset(pid) ON DELETE CASCADE,
      directory text,
      actor text NOT NULL,
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
      registered integer NOT NULL DEFAULT 0,
      bytes bigint NOT NULL DEFAULT 0,
      errors jsonb NOT NULL DEFAULT '[]',
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE INDEX ingest_run_dataset_idx ON ingest_run (dataset_pid, started_at DESC);
    -- A requested zip/tar of files, kept when some of them must first come back from tape.
    CREATE TABLE download (
      id text PRIMARY KEY,
      actor text NOT NULL,
      status text NOT NULL CHECK (status IN ('restoring', 'ready', 'failed')),
      format text NOT NULL CHECK (format IN ('zip', 'tar', 'file')),
      datafile_ids bigint[] NOT NULL,
      pending_ids bigint[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX parameter_datafile_idx ON parameter (datafile_id) WHERE datafile_id IS NOT NULL;
  `.execute(db);
}
