import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// What `fairbeam archive pack DIR --out OUT --session ID` wrote, as the catalogue's record of a
// session's containers (the tape workflow's own runs keep theirs in archive_object/archive_member).
// One pack per output directory: a re-run into the same directory replaces its containers and own
// tape files in one transaction (the packer also replaces the directory's containers); `generation`
// counts the recordings of the directory.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE session_pack (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      session_id text NOT NULL REFERENCES session(id) ON DELETE CASCADE,
      out_dir text NOT NULL UNIQUE,
      source text NOT NULL,
      target_size bigint NOT NULL,
      large_file_threshold bigint NOT NULL,
      files bigint NOT NULL,
      bytes bigint NOT NULL,
      problems jsonb NOT NULL DEFAULT '[]',
      generation integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX session_pack_session_idx ON session_pack (session_id);
    -- sha256 is of the whole container file (what a tape copy is verified against); file_size and
    -- file_mtime let a re-run keep it instead of reading an unchanged container again.
    CREATE TABLE session_container (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      pack_id bigint NOT NULL REFERENCES session_pack(id) ON DELETE CASCADE,
      name text NOT NULL,
      file text NOT NULL,
      file_size bigint NOT NULL,
      file_mtime timestamptz NOT NULL,
      members integer NOT NULL,
      files integer NOT NULL,
      packed_bytes bigint NOT NULL,
      plan_digest text NOT NULL,
      sha256 text NOT NULL,
      created timestamptz NOT NULL,
      UNIQUE (pack_id, name)
    );
    -- Files of the packed tree that go to tape whole (large, or already HDF5).
    CREATE TABLE session_own_tape_file (
      pack_id bigint NOT NULL REFERENCES session_pack(id) ON DELETE CASCADE,
      path text NOT NULL,
      size bigint NOT NULL,
      reason text NOT NULL CHECK (reason IN ('large', 'hdf5')),
      datafile_id bigint REFERENCES datafile(id) ON DELETE SET NULL,
      PRIMARY KEY (pack_id, path)
    );
    -- Registered datafiles found in a container: blob_offset/length in /blob (the index's), extents
    -- the [offset, length] byte ranges of the container file (null: read the container whole).
    CREATE TABLE session_container_member (
      container_id bigint NOT NULL REFERENCES session_container(id) ON DELETE CASCADE,
      datafile_id bigint NOT NULL REFERENCES datafile(id) ON DELETE CASCADE,
      member_path text NOT NULL,
      blob_offset bigint NOT NULL,
      length bigint NOT NULL,
      extents jsonb,
      PRIMARY KEY (container_id, datafile_id)
    );
    CREATE INDEX session_container_member_datafile_idx ON session_container_member (datafile_id);
  `.execute(db);
}
