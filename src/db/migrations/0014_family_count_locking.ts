import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// The per-(technique, session) counts of migration 0012 are shared rows: every dataset written into
// a session updates the rows of its techniques' families. Two changes so that concurrent writers
// into one session neither deadlock nor wait for each other for long:
// - A session's count rows change only under that session's lock: its row FOR SHARE, then a
//   transaction-level advisory lock on its id (both sessions of a move in id order). Before, the
//   decrement and the increment took their rows in whatever order the plan gave, and a transaction
//   writing several datasets took them again for each, so two writers could each hold a row the
//   other wanted (deadlock). The session row comes first, as for an embargo change, whose trigger
//   updates the same rows while holding the session row.
// - The trigger is a constraint trigger deferred to commit: a registration that creates its dataset
//   and then copies 10,000 files in the same transaction holds the count rows only while it commits,
//   not for the whole copy. The counts read by other transactions are the same: they see the dataset
//   and its counts together, at the commit.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION fairbeam_dataset_family_count() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      pf timestamptz;
      old_sid text;
      new_sid text;
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.techniques = NEW.techniques AND OLD.session_id = NEW.session_id THEN
        RETURN NULL;
      END IF;
      IF TG_OP <> 'INSERT' THEN old_sid := OLD.session_id; END IF;
      IF TG_OP <> 'DELETE' THEN new_sid := NEW.session_id; END IF;
      PERFORM 1 FROM session s WHERE s.id IN (old_sid, new_sid) ORDER BY s.id FOR SHARE;
      PERFORM pg_advisory_xact_lock(hashtextextended('fairbeam.family_count:' || sid, 0))
        FROM (SELECT DISTINCT sid FROM unnest(ARRAY[old_sid, new_sid]) AS sid WHERE sid IS NOT NULL) AS x
        ORDER BY sid;
      IF old_sid IS NOT NULL THEN
        UPDATE technique_family_count c SET n = c.n - 1
          WHERE c.session_id = old_sid AND c.technique_id IN (
            SELECT a.ancestor_id FROM technique_ancestor a WHERE a.technique_id = ANY (OLD.techniques));
        DELETE FROM technique_family_count c WHERE c.session_id = old_sid AND c.n <= 0;
      END IF;
      IF new_sid IS NOT NULL THEN
        SELECT fairbeam_public_from(s.release_date, s.released_at) INTO pf FROM session s WHERE s.id = new_sid;
        -- Not found: the session was deleted later in this transaction, and the dataset with it.
        IF FOUND THEN
          INSERT INTO technique_family_count AS c (technique_id, session_id, public_from, n)
            SELECT DISTINCT a.ancestor_id, new_sid, pf, 1
            FROM technique_ancestor a WHERE a.technique_id = ANY (NEW.techniques)
            ON CONFLICT (session_id, technique_id) DO UPDATE SET n = c.n + 1;
        END IF;
      END IF;
      RETURN NULL;
    END $$;
    DROP TRIGGER dataset_family_count ON dataset;
    CREATE CONSTRAINT TRIGGER dataset_family_count
      AFTER INSERT OR DELETE OR UPDATE OF techniques, session_id ON dataset
      DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION fairbeam_dataset_family_count();
  `.execute(db);
}
