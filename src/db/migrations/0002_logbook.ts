import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One logbook per session, per instrument and per facility. last_seq is the per-logbook
    -- sequence: writers take the row lock by bumping it, so seq is gap-free and commits in order.
    CREATE TABLE logbook (
      id uuid PRIMARY KEY,
      scope text NOT NULL CHECK (scope IN ('session', 'instrument', 'facility')),
      session_id text UNIQUE REFERENCES session(id) ON DELETE CASCADE,
      instrument_id text UNIQUE REFERENCES instrument(id) ON DELETE CASCADE,
      facility text UNIQUE REFERENCES facility(name) ON DELETE CASCADE,
      last_seq bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (
        (scope = 'session' AND session_id IS NOT NULL AND instrument_id IS NULL AND facility IS NULL) OR
        (scope = 'instrument' AND instrument_id IS NOT NULL AND session_id IS NULL AND facility IS NULL) OR
        (scope = 'facility' AND facility IS NOT NULL AND session_id IS NULL AND instrument_id IS NULL)
      )
    );
    CREATE TABLE logbook_event (
      id uuid PRIMARY KEY,
      logbook_id uuid NOT NULL REFERENCES logbook(id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      client_id uuid,
      input_hash text,
      kind text NOT NULL CHECK (kind IN ('annotation', 'notification', 'broadcast')),
      category text NOT NULL CHECK (category IN ('info', 'error', 'debug', 'commandLine', 'comment')),
      source text NOT NULL,
      author text,
      author_user_id bigint REFERENCES app_user(id) ON DELETE SET NULL,
      occurred_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL,
      parent_id uuid REFERENCES logbook_event(id) ON DELETE CASCADE,
      tags text[] NOT NULL DEFAULT '{}',
      dataset_ids text[] NOT NULL DEFAULT '{}',
      attachments jsonb NOT NULL DEFAULT '[]',
      content_format text NOT NULL CHECK (content_format IN ('plainText', 'markdown', 'html')),
      content_text text NOT NULL,
      -- Sanitised HTML rendering of the content, and its plain text (what search and PDF use).
      content_html text NOT NULL,
      plain_text text NOT NULL,
      search tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, plain_text)) STORED,
      revision integer NOT NULL DEFAULT 1,
      edited_at timestamptz,
      edited_by text,
      deleted_at timestamptz,
      UNIQUE (logbook_id, seq),
      UNIQUE (logbook_id, client_id)
    );
    CREATE INDEX logbook_event_search_idx ON logbook_event USING gin (search);
    CREATE INDEX logbook_event_tags_idx ON logbook_event USING gin (tags);
    CREATE INDEX logbook_event_kind_idx ON logbook_event (logbook_id, kind, seq);
    CREATE INDEX logbook_event_parent_idx ON logbook_event (parent_id) WHERE parent_id IS NOT NULL;
    -- Earlier versions of edited events; the current version lives in logbook_event.
    CREATE TABLE logbook_event_revision (
      event_id uuid NOT NULL REFERENCES logbook_event(id) ON DELETE CASCADE,
      revision integer NOT NULL,
      category text NOT NULL,
      tags text[] NOT NULL,
      content_format text NOT NULL,
      content_text text NOT NULL,
      content_html text NOT NULL,
      deleted boolean NOT NULL,
      author text,
      at timestamptz NOT NULL,
      PRIMARY KEY (event_id, revision)
    );
    -- Request-level idempotency: the first request with a key stores its response; a retry with
    -- the same body gets it back, a different body is refused.
    CREATE TABLE logbook_idempotency (
      logbook_id uuid NOT NULL REFERENCES logbook(id) ON DELETE CASCADE,
      key text NOT NULL,
      body_hash text NOT NULL,
      response jsonb,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (logbook_id, key)
    );
    -- Attachments are content-addressed files under FAIRBEAM_HOME/attachments; a row per logbook
    -- that received one decides who may read it.
    CREATE TABLE logbook_attachment (
      logbook_id uuid NOT NULL REFERENCES logbook(id) ON DELETE CASCADE,
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      name text NOT NULL,
      media_type text NOT NULL,
      size bigint NOT NULL,
      thumbnail boolean NOT NULL DEFAULT false,
      width integer,
      height integer,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (logbook_id, sha256)
    );
  `.execute(db);
}
