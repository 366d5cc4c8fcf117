import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// PaNOSC search at catalogue scale without ranking every match (bench/panosc.ts, 1M datasets):
// - dataset_term: one posting per (dataset, lexeme of its search vector) with the lexeme's weight in
//   that dataset (field weights A 1.0, B 0.4, C 0.2, D 0.1 per occurrence, divided by 1 + ln(1 + the
//   number of positions), like ts_rank's normalisation 1). A query's score is the sum of its terms'
//   weights, so the best datasets for a term are the first entries of (term, weight DESC).
// - dataset_technique: one row per (dataset, technique), so that counting the datasets of a technique
//   reads a range of one index instead of checking every dataset.
// Both carry `public_from`, when their session's data becomes public: fairbeam_public_from() below is
// the only derivation of it from session.release_date/released_at, and it means exactly what
// sessionIsPublic() in src/auth/policy.ts says (public ⇔ public_from <= now). Triggers keep it in step
// with the session in the same transaction (the dataset trigger locks its session row FOR SHARE, so a
// concurrent embargo change either waits for the new postings or is seen by them).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION fairbeam_public_from(release_date timestamptz, released_at timestamptz) RETURNS timestamptz
      LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE WHEN released_at IS NOT NULL THEN '-infinity'::timestamptz ELSE release_date END
    $$;

    -- The postings of one search vector: each lexeme with its weight.
    CREATE FUNCTION fairbeam_search_terms(v tsvector) RETURNS TABLE (term text, weight real)
      LANGUAGE sql IMMUTABLE AS $$
      SELECT u.lexeme,
        (coalesce((SELECT sum(CASE x WHEN 'A' THEN 1.0 WHEN 'B' THEN 0.4 WHEN 'C' THEN 0.2 ELSE 0.1 END)
          FROM unnest(u.weights) AS x), 0.1) / (1 + ln(1 + n.len)))::real
      FROM (SELECT coalesce(sum(greatest(cardinality(p.positions), 1)), 0) AS len FROM unnest(v) AS p) AS n,
        unnest(v) AS u
    $$;

    CREATE TABLE dataset_term (
      term text NOT NULL,
      dataset_pid text NOT NULL REFERENCES dataset(pid) ON DELETE CASCADE,
      weight real NOT NULL,
      public_from timestamptz NOT NULL,
      PRIMARY KEY (dataset_pid, term)
    );
    CREATE INDEX dataset_term_rank_idx ON dataset_term (term, weight DESC, dataset_pid) INCLUDE (public_from);

    CREATE TABLE dataset_technique (
      technique_id text NOT NULL,
      dataset_pid text NOT NULL REFERENCES dataset(pid) ON DELETE CASCADE,
      public_from timestamptz NOT NULL,
      PRIMARY KEY (dataset_pid, technique_id)
    );
    CREATE INDEX dataset_technique_idx ON dataset_technique (technique_id, public_from) INCLUDE (dataset_pid);

    CREATE FUNCTION fairbeam_dataset_postings() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE pf timestamptz;
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.search_vector IS NOT DISTINCT FROM NEW.search_vector
        AND OLD.techniques = NEW.techniques AND OLD.session_id = NEW.session_id THEN
        RETURN NULL;
      END IF;
      SELECT fairbeam_public_from(s.release_date, s.released_at) INTO pf FROM session s
        WHERE s.id = NEW.session_id FOR SHARE;
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM dataset_term WHERE dataset_pid = OLD.pid;
        DELETE FROM dataset_technique WHERE dataset_pid = OLD.pid;
      END IF;
      INSERT INTO dataset_term (term, dataset_pid, weight, public_from)
        SELECT t.term, NEW.pid, t.weight, pf FROM fairbeam_search_terms(NEW.search_vector) AS t;
      INSERT INTO dataset_technique (technique_id, dataset_pid, public_from)
        SELECT DISTINCT x, NEW.pid, pf FROM unnest(NEW.techniques) AS x;
      RETURN NULL;
    END $$;
    CREATE TRIGGER dataset_postings AFTER INSERT OR UPDATE ON dataset
      FOR EACH ROW EXECUTE FUNCTION fairbeam_dataset_postings();

    CREATE FUNCTION fairbeam_session_public_from() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE pf timestamptz := fairbeam_public_from(NEW.release_date, NEW.released_at);
    BEGIN
      UPDATE dataset_term t SET public_from = pf FROM dataset d
        WHERE d.session_id = NEW.id AND t.dataset_pid = d.pid AND t.public_from IS DISTINCT FROM pf;
      UPDATE dataset_technique t SET public_from = pf FROM dataset d
        WHERE d.session_id = NEW.id AND t.dataset_pid = d.pid AND t.public_from IS DISTINCT FROM pf;
      RETURN NULL;
    END $$;
    CREATE TRIGGER session_public_from AFTER UPDATE OF release_date, released_at ON session FOR EACH ROW
      WHEN (fairbeam_public_from(OLD.release_date, OLD.released_at)
        IS DISTINCT FROM fairbeam_public_from(NEW.release_date, NEW.released_at))
      EXECUTE FUNCTION fairbeam_session_public_from();

    INSERT INTO dataset_term (term, dataset_pid, weight, public_from)
      SELECT t.term, d.pid, t.weight, fairbeam_public_from(s.release_date, s.released_at)
      FROM dataset d JOIN session s ON s.id = d.session_id, fairbeam_search_terms(d.search_vector) AS t;
    INSERT INTO dataset_technique (technique_id, dataset_pid, public_from)
      SELECT DISTINCT x, d.pid, fairbeam_public_from(s.release_date, s.released_at)
      FROM dataset d JOIN session s ON s.id = d.session_id, unnest(d.techniques) AS x;
  `.execute(db);
}
