import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// PaNOSC free-text search with two words (bench/panosc.ts, 1M datasets): the threshold algorithm of
// src/search/panosc/top-datasets.ts runs inside PostgreSQL in one call. From Node it took ~5 rounds of
// statements that moved ~5,600 postings and ~1,100 candidate look-ups per query through the wire
// (~26 ms of Node CPU to parse and bookkeep them, plus PostgreSQL's work to send them). Here the
// postings read stay in arrays in the function, candidates are joined and sorted in SQL, and only the
// page comes back. Same algorithm, same results: each round reads on from the last posting of each
// list not yet ended, a dataset seen in no list ranks at most `bound` (the sum of the last weights),
// candidates missing one word get their exact rank by a primary-key probe of that word's posting
// (best upper bound first, `lookup_batch` per statement, or `probe_batch` in a round unlikely to be
// the last), kept across rounds; the page is final once its k-th rank beats `bound` (or ties it with
// a pid not after the last one read); past `max_depth` every match is ranked. Ranks are float8 sums
// of the two real weights (two addends commute exactly: the same values as the general path's sum).
// `at` is the policy's instant: a posting is public when public_from <= at (publicFromIsPublic).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION fairbeam_best_datasets_2(t1 text, t2 text, at timestamptz, k int,
        max_depth int, lookup_batch int, probe_batch int)
      RETURNS TABLE (best_pid text, best_rank float8) LANGUAGE plpgsql STABLE AS $$
    DECLARE
      depth int := greatest(64, 4 * k);
      started bool := false;
      -- The postings read so far of each term, in index order, and the last one read.
      pa text[] := '{}'; wa float8[] := '{}'; na int := 0; last_wa real := 'Infinity'; last_pa text;
      pb text[] := '{}'; wb float8[] := '{}'; nb int := 0; last_wb real := 'Infinity'; last_pb text;
      more_p text[]; more_w float8[];
      open_a bool; open_b bool; bound float8; lw_a float8; lw_b float8;
      -- Exact ranks looked up in earlier rounds.
      ex_pid text[] := '{}'; ex_rank float8[] := '{}';
      -- This round's candidates: those with a rank, and the others by upper bound, best first.
      r_pid text[]; r_rank float8[];
      u_pid text[]; u_lb float8[]; u_ub float8[]; u_term text[]; u_val float8[];
      nu int; i int; j int; size int; kth float8; likely bool; found float8[];
      last_pids text[];
      top_pid text[]; top_rank float8[]; top_early bool[];
    BEGIN
      IF k <= 0 THEN RETURN; END IF;
      WHILE depth <= max_depth LOOP
        IF NOT started OR na = depth / 4 THEN
          SELECT coalesce(array_agg(x.dataset_pid), '{}'), coalesce(array_agg(x.w), '{}') INTO more_p, more_w
          FROM (SELECT t.dataset_pid, t.weight::float8 AS w FROM dataset_term t
            WHERE t.term = t1 AND t.weight <= last_wa
              AND (last_pa IS NULL OR t.weight < last_wa OR t.dataset_pid > last_pa) AND t.public_from <= at
            ORDER BY t.weight DESC, t.dataset_pid LIMIT depth - na) AS x;
          pa := pa || more_p; wa := wa || more_w; na := cardinality(pa);
          IF na > 0 THEN last_wa := wa[na]::real; last_pa := pa[na]; END IF;
        END IF;
        IF NOT started OR nb = depth / 4 THEN
          SELECT coalesce(array_agg(x.dataset_pid), '{}'), coalesce(array_agg(x.w), '{}') INTO more_p, more_w
          FROM (SELECT t.dataset_pid, t.weight::float8 AS w FROM dataset_term t
            WHERE t.term = t2 AND t.weight <= last_wb
              AND (last_pb IS NULL OR t.weight < last_wb OR t.dataset_pid > last_pb) AND t.public_from <= at
            ORDER BY t.weight DESC, t.dataset_pid LIMIT depth - nb) AS x;
          pb := pb || more_p; wb := wb || more_w; nb := cardinality(pb);
          IF nb > 0 THEN last_wb := wb[nb]::real; last_pb := pb[nb]; END IF;
        END IF;
        started := true;
        open_a := na = depth;
        open_b := nb = depth;
        lw_a := CASE WHEN open_a THEN wa[na] ELSE 0 END;
        lw_b := CASE WHEN open_b THEN wb[nb] ELSE 0 END;
        bound := 0;
        IF open_a THEN bound := bound + wa[na]; END IF;
        IF open_b THEN bound := bound + wb[nb]; END IF;
        SELECT array_agg(c.pid) FILTER (WHERE c.rank IS NOT NULL), array_agg(c.rank) FILTER (WHERE c.rank IS NOT NULL),
            array_agg(c.pid) FILTER (WHERE c.rank IS NULL), array_agg(c.lb) FILTER (WHERE c.rank IS NULL),
            array_agg(c.ub) FILTER (WHERE c.rank IS NULL), array_agg(c.term) FILTER (WHERE c.rank IS NULL)
          INTO r_pid, r_rank, u_pid, u_lb, u_ub, u_term
          FROM (WITH z AS MATERIALIZED (SELECT z.pid, z.lb, z.ub, z.term,
                CASE WHEN z.ub > z.lb THEN e.rank ELSE z.lb END AS rank
              FROM (SELECT coalesce(x.pid, y.pid) AS pid, coalesce(x.w, 0) + coalesce(y.w, 0) AS lb,
                  coalesce(x.w, 0) + coalesce(y.w, 0) + CASE WHEN x.pid IS NULL THEN lw_a
                    WHEN y.pid IS NULL THEN lw_b ELSE 0 END AS ub,
                  CASE WHEN x.pid IS NULL THEN t1 ELSE t2 END AS term
                FROM unnest(pa, wa) AS x(pid, w) FULL JOIN unnest(pb, wb) AS y(pid, w) ON x.pid = y.pid) AS z
              LEFT JOIN unnest(ex_pid, ex_rank) AS e(pid, rank) ON e.pid = z.pid),
            -- The k-th best rank known so far only grows: below it a candidate can never reach the page.
            floor AS (SELECT coalesce((SELECT coalesce(z.rank, z.lb) FROM z ORDER BY 1 DESC OFFSET k - 1 LIMIT 1), 0)
              - 1e-9::float8 AS v)
            SELECT z.* FROM z, floor WHERE coalesce(z.rank, z.ub) >= floor.v ORDER BY z.ub DESC) AS c;
        r_pid := coalesce(r_pid, '{}'); r_rank := coalesce(r_rank, '{}');
        u_pid := coalesce(u_pid, '{}'); u_lb := coalesce(u_lb, '{}'); u_ub := coalesce(u_ub, '{}');
        u_term := coalesce(u_term, '{}');
        u_val := u_lb;
        nu := cardinality(u_pid);
        kth := coalesce((SELECT v.v FROM (SELECT unnest(r_rank) UNION ALL SELECT unnest(u_val)) AS v(v)
          ORDER BY v.v DESC OFFSET k - 1 LIMIT 1), 0);
        likely := (NOT open_a AND NOT open_b) OR depth * 4 > max_depth OR kth > bound;
        i := 1;
        WHILE i <= nu AND u_ub[i] >= kth - 1e-9::float8 LOOP
          EXIT WHEN NOT likely AND i > 1 AND kth <= bound;
          size := CASE WHEN likely OR kth > bound THEN lookup_batch ELSE probe_batch END;
          j := i;
          WHILE j <= nu AND j - i < size AND u_ub[j] >= kth - 1e-9::float8 LOOP j := j + 1; END LOOP;
          SELECT array_agg(b.lb + coalesce(t.weight::float8, 0) ORDER BY b.o) INTO found
            FROM unnest(u_pid[i:j - 1], u_term[i:j - 1], u_lb[i:j - 1]) WITH ORDINALITY AS b(pid, term, lb, o)
            LEFT JOIN dataset_term t ON t.dataset_pid = b.pid AND t.term = b.term;
          u_val := u_val[1:i - 1] || found || u_val[j:nu];
          ex_pid := ex_pid || u_pid[i:j - 1];
          ex_rank := ex_rank || found;
          i := j;
          kth := coalesce((SELECT v.v FROM (SELECT unnest(r_rank) UNION ALL SELECT unnest(u_val)) AS v(v)
            ORDER BY v.v DESC OFFSET k - 1 LIMIT 1), 0);
        END LOOP;
        IF NOT (i <= nu AND u_ub[i] >= kth - 1e-9::float8) THEN
          last_pids := '{}';
          IF open_a THEN last_pids := last_pids || last_pa; END IF;
          IF open_b THEN last_pids := last_pids || last_pb; END IF;
          SELECT array_agg(s.pid), array_agg(s.rank), array_agg(s.early) INTO top_pid, top_rank, top_early
            FROM (SELECT c.pid, c.rank, c.pid <= ANY (last_pids) AS early
              FROM (SELECT * FROM unnest(r_pid, r_rank) UNION ALL SELECT * FROM unnest(u_pid[1:i - 1], u_val[1:i - 1]))
                AS c(pid, rank)
              WHERE c.rank >= kth - 1e-9::float8 ORDER BY c.rank DESC, c.pid LIMIT k) AS s;
          IF NOT open_a AND NOT open_b OR (cardinality(top_pid) >= k
              AND (top_rank[k] > bound OR (top_rank[k] = bound AND top_early[k]))) THEN
            RETURN QUERY SELECT * FROM unnest(coalesce(top_pid, '{}'), coalesce(top_rank, '{}'));
            RETURN;
          END IF;
        END IF;
        depth := depth * 4;
      END LOOP;
      RETURN QUERY SELECT t.dataset_pid, sum(t.weight::float8) AS rank FROM dataset_term t
        WHERE (t.term = t1 OR t.term = t2) AND t.public_from <= at
        GROUP BY t.dataset_pid ORDER BY 2 DESC, 1 LIMIT k;
    END $$;
  `.execute(db);
}
