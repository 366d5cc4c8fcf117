import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Tape libraries fairbeam writes to; config holds what the driver needs (root, drives, clock...).
    CREATE TABLE tape_library (
      name text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('virtual', 'ltfs')),
      config jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    -- A pool is a set of cartridges of one library; the two copies of a file go to two pools.
    CREATE TABLE tape_pool (
      name text PRIMARY KEY,
      library text NOT NULL REFERENCES tape_library(name) ON DELETE CASCADE,
      copy smallint NOT NULL CHECK (copy IN (1, 2)),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE tape_cartridge (
      barcode text PRIMARY KEY,
      library text NOT NULL REFERENCES tape_library(name) ON DELETE CASCADE,
      pool text NOT NULL REFERENCES tape_pool(name),
      generation text NOT NULL CHECK (generation IN ('lto7', 'lto8', 'lto9')),
      capacity bigint NOT NULL,
      used bigint NOT NULL DEFAULT 0,
      errors integer NOT NULL DEFAULT 0,
      last_error text,
      state text NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'full', 'failed')),
      -- The process using the cartridge (mounted in one of its drives) until lease_until.
      lease_owner text,
      lease_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX tape_cartridge_pool_idx ON tape_cartridge (pool, state);
    -- Drives as operators see them: errors counted by fairbeam (the live state comes from the library).
    CREATE TABLE tape_drive (
      library text NOT NULL REFERENCES tape_library(name) ON DELETE CASCADE,
      name text NOT NULL,
      errors integer NOT NULL DEFAULT 0,
      last_error text,
      bytes_read bigint NOT NULL DEFAULT 0,
      bytes_written bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (library, name)
    );
    -- A request to archive one dataset, moved step by step (pack, write, verify, catalogue, release);
    -- each step reads what the previous ones recorded, so a killed worker's successor resumes it.
    CREATE TABLE archive_run (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      dataset_pid text NOT NULL REFERENCES dataset(pid) ON DELETE CASCADE,
      reason text NOT NULL CHECK (reason IN ('request', 'policy')),
      release boolean NOT NULL DEFAULT false,
      step text NOT NULL DEFAULT 'pack'
        CHECK (step IN ('pack', 'write', 'verify', 'catalogue', 'release', 'done', 'failed')),
      error text,
      actor text NOT NULL,
      lease_owner text,
      lease_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE UNIQUE INDEX archive_run_active_idx ON archive_run (dataset_pid) WHERE step NOT IN ('done', 'failed');
    -- What goes to tape as one tape file: a container of packed small files, or one large file.
    CREATE TABLE archive_object (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      run_id bigint NOT NULL REFERENCES archive_run(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('container', 'file')),
      name text NOT NULL,
      source text NOT NULL,
      bytes bigint NOT NULL,
      sha256 text NOT NULL,
      UNIQUE (run_id, name)
    );
    -- Where each datafile of a run is inside its object: extents are [offset, length] byte ranges of
    -- the container file (one range unless HDF5 stored its chunks apart); null extents: read it whole.
    CREATE TABLE archive_member (
      run_id bigint NOT NULL REFERENCES archive_run(id) ON DELETE CASCADE,
      datafile_id bigint NOT NULL REFERENCES datafile(id) ON DELETE CASCADE,
      object_id bigint NOT NULL REFERENCES archive_object(id) ON DELETE CASCADE,
      member_path text,
      extents jsonb,
      PRIMARY KEY (run_id, datafile_id)
    );
    CREATE TABLE tape_file (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      cartridge text NOT NULL REFERENCES tape_cartridge(barcode),
      tape_file integer NOT NULL,
      object_id bigint REFERENCES archive_object(id) ON DELETE SET NULL,
      copy smallint NOT NULL CHECK (copy IN (1, 2)),
      kind text NOT NULL CHECK (kind IN ('container', 'file')),
      bytes bigint NOT NULL,
      sha256 text NOT NULL,
      written_at timestamptz NOT NULL DEFAULT now(),
      verified_at timestamptz,
      UNIQUE (cartridge, tape_file)
    );
    CREATE INDEX tape_file_object_idx ON tape_file (object_id, copy);
    -- The tape copies of a datafile: the catalogue's answer to "where is it on tape".
    CREATE TABLE tape_copy (
      datafile_id bigint NOT NULL REFERENCES datafile(id) ON DELETE CASCADE,
      copy smallint NOT NULL CHECK (copy IN (1, 2)),
      tape_file_id bigint NOT NULL REFERENCES tape_file(id),
      member_path text,
      "offset" bigint NOT NULL,
      length bigint NOT NULL,
      extents jsonb,
      verified_at timestamptz NOT NULL,
      PRIMARY KEY (datafile_id, copy)
    );
    -- Files to bring back from tape: in place (target null, the datafile goes online again) or into
    -- a directory (restore --to). Batches group them by cartridge and order them by position.
    CREATE TABLE recall (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      datafile_id bigint NOT NULL REFERENCES datafile(id) ON DELETE CASCADE,
      target text,
      state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
      download_id text REFERENCES download(id) ON DELETE SET NULL,
      actor text NOT NULL,
      copy_used smallint,
      bytes bigint NOT NULL DEFAULT 0,
      attempts integer NOT NULL DEFAULT 0,
      error text,
      batch text,
      lease_owner text,
      lease_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE INDEX recall_state_idx ON recall (state, id);
    CREATE UNIQUE INDEX recall_in_place_idx ON recall (datafile_id) WHERE target IS NULL AND state IN ('queued', 'running');
    -- Archiving policy (one row): datasets older than min_age_days or larger than min_bytes are archived.
    CREATE TABLE archive_policy (
      id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      enabled boolean NOT NULL DEFAULT false,
      min_age_days integer NOT NULL DEFAULT 30,
      min_bytes bigint,
      release boolean NOT NULL DEFAULT false,
      container_bytes bigint NOT NULL DEFAULT 34359738368,
      large_file_bytes bigint NOT NULL DEFAULT 67108864
    );
    INSERT INTO archive_policy (id) VALUES (1);
  `.execute(db);
}
