import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// Open data lifecycle: DOI registrations (an outbox towards the registrar), the built-in local
// registrar's store, PI requests to change an embargo, and links from OIDC identities to users.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE doi_registration (
      doi text PRIMARY KEY,
      session_id text NOT NULL UNIQUE REFERENCES session(id) ON DELETE CASCADE,
      -- what the registrar should hold, and what it is known to hold (NULL: nothing yet)
      target_state text NOT NULL CHECK (target_state IN ('draft', 'findable')),
      registered_state text CHECK (registered_state IN ('draft', 'findable')),
      registrar text,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      -- a worker claims a row while it talks to the registrar, so two workers never both call
      lease_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      registered_at timestamptz
    );
    CREATE INDEX doi_registration_pending_idx ON doi_registration (doi)
      WHERE registered_state IS DISTINCT FROM target_state;

    CREATE TABLE local_doi (
      doi text PRIMARY KEY,
      state text NOT NULL CHECK (state IN ('draft', 'findable')),
      url text NOT NULL,
      metadata jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );

    CREATE TABLE policy_request (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      session_id text NOT NULL REFERENCES session(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('extension', 'early_release')),
      requested_release_date timestamptz,
      reason text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
      requested_by bigint NOT NULL REFERENCES app_user(id),
      requested_at timestamptz NOT NULL,
      decided_by bigint REFERENCES app_user(id),
      decided_at timestamptz,
      decision_note text,
      CHECK ((kind = 'extension') = (requested_release_date IS NOT NULL))
    );
    CREATE INDEX policy_request_session_idx ON policy_request (session_id, id);
    -- one open request per session: a second one would race the first one's decision
    CREATE UNIQUE INDEX policy_request_one_pending ON policy_request (session_id) WHERE status = 'pending';

    CREATE TABLE oidc_identity (
      issuer text NOT NULL,
      subject text NOT NULL,
      user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      email text,
      linked_at timestamptz NOT NULL,
      last_login_at timestamptz NOT NULL,
      PRIMARY KEY (issuer, subject)
    );
    CREATE INDEX oidc_identity_user_idx ON oidc_identity (user_id);
  `.execute(db);
}
