import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// PaNOSC free text with two words (bench/panosc.ts, 1M datasets): most of the threshold algorithm's
// exact-rank look-ups (~1,000 per query, ~40% of its time, each a primary-key probe that mostly misses
// the buffer cache) are for candidates seen in one list whose missing word could still lift them to
// the page, as far as the lists tell (the last weight read of the other list). Each posting now also
// carries two facts about its dataset, so that the candidate's bound comes from the posting read:
// - strong_bits: one bit (fairbeam_term_bit) per term of the dataset that weighs at least
//   fairbeam_strong_weight() (its title words, mostly; ~10 of ~70);
// - weak_max: the largest weight of the dataset's other terms (0 when none).
// A term whose bit is not set weighs at most weak_max in that dataset (or is absent). The rank index
// carries both, so the two-word function (migration 0021) bounds a candidate by them without a probe;
// a look-up is left only where the bit is set or the bound still reaches the page (~70% fewer on the
// bench's mix, same pages and scores). The defaults (every bit set, no weak bound) are what a writer
// that does not know the columns leaves: no pruning, the algorithm as before.
// The table is rewritten (a new table swapped in: one pass over the postings instead of an update of
// every row in place, which would leave as many dead rows behind and insert into both indexes for
// each). Writers of datasets wait from the copy to the swap (SHARE lock: searches go on reading), so
// no posting written meanwhile is left behind in the old table (PostgreSQL 15, by hand: a dataset
// written before the copy and one whose write waited on the lock both had their postings and profile
// afterwards). Index-only scans of the new table need its visibility map: VACUUM it (autovacuum will).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION fairbeam_term_bit(term text) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT 1::bigint << (get_byte(decode(md5(term), 'hex'), 0) & 63)
    $$;
    CREATE FUNCTION fairbeam_strong_weight() RETURNS real LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT 0.1::real
    $$;

    -- The two facts of one search vector (fairbeam_search_terms' terms and weights).
    CREATE FUNCTION fairbeam_term_profile(v tsvector) RETURNS TABLE (strong_bits bigint, weak_max real)
      LANGUAGE sql IMMUTABLE AS $$
      SELECT coalesce(bit_or(fairbeam_term_bit(t.term)) FILTER (WHERE t.weight >= fairbeam_strong_weight()), 0),
        coalesce(max(t.weight) FILTER (WHERE t.weight < fairbeam_strong_weight()), 0)
      FROM fairbeam_search_terms(v) AS t
    $$;

    LOCK TABLE dataset_term IN SHARE MODE;
    CREATE TABLE dataset_term_next (
      term text NOT NULL,
      dataset_pid text NOT NULL,
      weight real NOT NULL,
      public_from timestamptz NOT NULL,
      strong_bits bigint NOT NULL DEFAULT -1,
      weak_max real NOT NULL DEFAULT 'Infinity'
    );
    SET LOCAL work_mem = '256MB';
    INSERT INTO dataset_term_next (term, dataset_pid, weight, public_from, strong_bits, weak_max)
      SELECT t.term, t.dataset_pid, t.weight, t.public_from, p.strong_bits, p.weak_max
      FROM dataset_term t JOIN (SELECT x.dataset_pid,
          coalesce(bit_or(fairbeam_term_bit(x.term)) FILTER (WHERE x.weight >= fairbeam_strong_weight()), 0)
            AS strong_bits,
          coalesce(max(x.weight) FILTER (WHERE x.weight < fairbeam_strong_weight()), 0) AS weak_max
        FROM dataset_term x GROUP BY x.dataset_pid) AS p ON p.dataset_pid = t.dataset_pid;
    SET LOCAL work_mem TO DEFAULT;
    DROP TABLE dataset_term;
    ALTER TABLE dataset_term_next RENAME TO dataset_term;
    ALTER TABLE dataset_term ADD CONSTRAINT dataset_term_pkey PRIMARY KEY (dataset_pid, term) INCLUDE (weight),
      ADD CONSTRAINT dataset_term_dataset_pid_fkey FOREIGN KEY (dataset_pid) REFERENCES dataset (pid)
        ON DELETE CASCADE;
    CREATE INDEX dataset_term_rank_idx ON dataset_term (term, weight DESC, dataset_pid)
      INCLUDE (public_from, strong_bits, weak_max);

    CREATE OR REPLACE FUNCTION fairbeam_dataset_postings() RETURNS trigger LANGUAGE plpgsql AS $$
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
      INSERT INTO dataset_term (term, dataset_pid, weight, public_from, strong_bits, weak_max)
        SELECT t.term, NEW.pid, t.weight, pf, p.strong_bits, p.weak_max
        FROM fairbeam_search_terms(NEW.search_vector) AS t, fairbeam_term_profile(NEW.search_vector) AS p;
      INSERT INTO dataset_technique (technique_id, dataset_pid, public_from)
        SELECT DISTINCT x, NEW.pid, pf FROM unnest(NEW.techniques) AS x;
      RETURN NULL;
    END $$;
  `.execute(db);
}
