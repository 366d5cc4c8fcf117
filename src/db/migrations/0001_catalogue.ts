import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE facility (
      name text PRIMARY KEY,
      full_name text
    );
    CREATE TABLE technique (
      id text PRIMARY KEY,
      name text NOT NULL
    );
    CREATE TABLE instrument (
      id text PRIMARY KEY,
      name text NOT NULL,
      facility text NOT NULL REFERENCES facility(name),
      techniques text[] NOT NULL DEFAULT '{}'
    );
    CREATE TABLE app_user (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      username text NOT NULL UNIQUE,
      full_name text,
      email text,
      orcid text,
      affiliation text,
      password_hash text,
      facility_role text CHECK (facility_role IN ('staff', 'data_manager', 'admin')),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE proposal (
      id text PRIMARY KEY,
      title text NOT NULL DEFAULT '',
      summary text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE proposal_member (
      proposal_id text NOT NULL REFERENCES proposal(id) ON DELETE CASCADE,
      user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('principal_investigator', 'local_contact', 'collaborator')),
      PRIMARY KEY (proposal_id, user_id)
    );
    CREATE TABLE session (
      id text PRIMARY KEY,
      proposal_id text NOT NULL REFERENCES proposal(id) ON DELETE CASCADE,
      instrument_id text NOT NULL REFERENCES instrument(id),
      start_at timestamptz NOT NULL,
      end_at timestamptz NOT NULL,
      release_date timestamptz NOT NULL,
      released_at timestamptz,
      doi text UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (end_at >= start_at)
    );
    CREATE INDEX session_proposal_idx ON session (proposal_id);
    CREATE INDEX session_instrument_idx ON session (instrument_id, start_at);
    CREATE INDEX session_release_idx ON session (release_date) WHERE released_at IS NULL;
    CREATE TABLE session_member (
      session_id text NOT NULL REFERENCES session(id) ON DELETE CASCADE,
      user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('principal_investigator', 'local_contact', 'collaborator')),
      PRIMARY KEY (session_id, user_id)
    );
    CREATE INDEX session_member_user_idx ON session_member (user_id);
    CREATE TABLE sample (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      session_id text NOT NULL REFERENCES session(id) ON DELETE CASCADE,
      sample_key text NOT NULL,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      UNIQUE (session_id, sample_key)
    );
    CREATE TABLE dataset (
      pid text PRIMARY KEY,
      session_id text NOT NULL REFERENCES session(id) ON DELETE CASCADE,
      name text NOT NULL,
      title text,
      sample_id bigint REFERENCES sample(id) ON DELETE SET NULL,
      techniques text[] NOT NULL DEFAULT '{}',
      metadata jsonb NOT NULL DEFAULT '{}',
      size bigint NOT NULL DEFAULT 0,
      file_count integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (session_id, name)
    );
    CREATE INDEX dataset_created_idx ON dataset (created_at DESC, pid DESC);
    CREATE TABLE datafile (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      dataset_pid text NOT NULL REFERENCES dataset(pid) ON DELETE CASCADE,
      path text NOT NULL,
      size bigint NOT NULL DEFAULT 0,
      sha256 text,
      mtime timestamptz,
      state text NOT NULL DEFAULT 'online'
        CHECK (state IN ('online', 'archiving', 'archived', 'offline', 'restoring')),
      metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (dataset_pid, path)
    );
    CREATE TABLE parameter (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      dataset_pid text NOT NULL REFERENCES dataset(pid) ON DELETE CASCADE,
      datafile_id bigint REFERENCES datafile(id) ON DELETE CASCADE,
      name text NOT NULL,
      value_number double precision,
      value_text text,
      unit text,
      si_value double precision,
      si_unit text
    );
    CREATE INDEX parameter_dataset_idx ON parameter (dataset_pid);
    CREATE INDEX parameter_name_si_idx ON parameter (name, si_value);
    CREATE TABLE user_session (
      token_hash text PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    );
    CREATE TABLE api_key (
      id text PRIMARY KEY,
      name text NOT NULL UNIQUE,
      secret_hash text NOT NULL,
      instrument_id text REFERENCES instrument(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      action text NOT NULL,
      target text,
      details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_action_idx ON audit_log (action, at);
    -- Append-only: the audit log refuses updates and deletes even from fairbeam's own role.
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only';
    END $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
  `.execute(db);
}
