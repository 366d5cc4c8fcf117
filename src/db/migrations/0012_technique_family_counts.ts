import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// Counting the datasets of a PaNET technique family (`/panosc/api/datasets/count` with a techniques
// include) without a distinct over the family's ~100k+ dataset links (bench/panosc.ts, 1M datasets):
// - technique_ancestor: the PaNET closure, one row per (technique, ancestor or itself). The hierarchy
//   is computed in TypeScript (src/search/panet/hierarchy.ts); syncTechniqueFamilies() writes it at
//   start-up (with syncTechniques) and rebuilds the counts below in the same transaction when it
//   changed. Empty until then: the count path checks the closure before it trusts the counts.
// - technique_family_count: per (technique, session), how many of the session's datasets have that
//   technique or one of its descendants (each dataset once), with the session's `public_from`
//   (fairbeam_public_from(), migration 0010). A family's public count is the sum of `n` over one
//   index range with the policy predicate `public_from <= now`. Triggers keep it in step with the
//   datasets (insert, delete, new techniques or session) and with the session's embargo in the same
//   transaction; the dataset trigger locks the session row FOR SHARE like the postings trigger.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE technique_ancestor (
      technique_id text NOT NULL,
      ancestor_id text NOT NULL,
      PRIMARY KEY (ancestor_id, technique_id)
    );
    CREATE INDEX technique_ancestor_technique_idx ON technique_ancestor (technique_id, ancestor_id);

    CREATE TABLE technique_family_count (
      technique_id text NOT NULL,
      session_id text NOT NULL,
      public_from timestamptz NOT NULL,
      n integer NOT NULL,
      PRIMARY KEY (session_id, technique_id)
    );
    CREATE INDEX technique_family_count_idx ON technique_family_count (technique_id, public_from) INCLUDE (n);

    -- Every count again from the datasets and the closure (after the closure changed).
    CREATE FUNCTION fairbeam_technique_family_rebuild() RETURNS void LANGUAGE sql AS $$
      DELETE FROM technique_family_count;
      INSERT INTO technique_family_count (technique_id, session_id, public_from, n)
        SELECT f.ancestor_id, d.session_id, fairbeam_public_from(s.release_date, s.released_at), count(*)
        FROM dataset d JOIN session s ON s.id = d.session_id
          CROSS JOIN LATERAL (SELECT DISTINCT a.ancestor_id FROM technique_ancestor a
            WHERE a.technique_id = ANY (d.techniques)) AS f
        GROUP BY f.ancestor_id, d.session_id, s.release_date, s.released_at
        -- A technique's rows together in the heap: few pages per count until vacuum marks them visible.
        ORDER BY 1, 2;
    $$;

    CREATE FUNCTION fairbeam_dataset_family_count() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE pf timestamptz;
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.techniques = NEW.techniques AND OLD.session_id = NEW.session_id THEN
        RETURN NULL;
      END IF;
      IF TG_OP <> 'INSERT' THEN
        UPDATE technique_family_count c SET n = c.n - 1
          WHERE c.session_id = OLD.session_id AND c.technique_id IN (
            SELECT a.ancestor_id FROM technique_ancestor a WHERE a.technique_id = ANY (OLD.techniques));
        DELETE FROM technique_family_count c WHERE c.session_id = OLD.session_id AND c.n <= 0;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        SELECT fairbeam_public_from(s.release_date, s.released_at) INTO pf FROM session s
          WHERE s.id = NEW.session_id FOR SHARE;
        INSERT INTO technique_family_count AS c (technique_id, session_id, public_from, n)
          SELECT DISTINCT a.ancestor_id, NEW.session_id, pf, 1
          FROM technique_ancestor a WHERE a.technique_id = ANY (NEW.techniques)
          ON CONFLICT (session_id, technique_id) DO UPDATE SET n = c.n + 1;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER dataset_family_count AFTER INSERT OR DELETE OR UPDATE OF techniques, session_id ON dataset
      FOR EACH ROW EXECUTE FUNCTION fairbeam_dataset_family_count();

    CREATE FUNCTION fairbeam_session_family_public_from() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE technique_family_count SET public_from = fairbeam_public_from(NEW.release_date, NEW.released_at)
        WHERE session_id = NEW.id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER session_family_public_from AFTER UPDATE OF release_date, released_at ON session FOR EACH ROW
      WHEN (fairbeam_public_from(OLD.release_date, OLD.released_at)
        IS DISTINCT FROM fairbeam_public_from(NEW.release_date, NEW.released_at))
      EXECUTE FUNCTION fairbeam_session_family_public_from();
  `.execute(db);
}
