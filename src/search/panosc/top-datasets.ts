import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { publicFromIsPublic } from '../../auth/policy.ts';

// The page of a free-text dataset search, found from the postings (migration 0010) without ranking
// every match.

/** How deep the per-term lists of `bestDatasets` may go before it ranks every match instead. */
const MAX_DEPTH = 20_480;

/** How many candidates' exact ranks `bestDatasets` looks up in one statement. */
const LOOKUP_BATCH = 512;
/** How many `bestDatasets` ranks first in a round that is unlikely to be the last. */
const PROBE_BATCH = 64;

/**
 * The best `k` public datasets for one or two terms, as a subquery of (pid, rank, n: the place from 1)
 * over `terms`, an SQL array expression (an outer column, so that the terms are computed once in the
 * same statement); no rows for any other number of terms, which `bestDatasets` ranks. The same ranks
 * and order as `bestDatasets`: one term reads the first `k` entries of its postings, two call the
 * threshold algorithm of migration 0016 (with the candidates' bounds of migration 0021). The branch
 * not taken is not run (its condition depends on the outer row only: a one-time filter).
 */
export function bestOfFewTerms(terms: RawBuilder<string[]>, now: Date, k: number): RawBuilder<unknown> {
  return sql`SELECT x.pid, x.rank, x.n FROM (SELECT t.dataset_pid AS pid, t.weight::float8 AS rank,
        row_number() OVER (ORDER BY t.weight DESC, t.dataset_pid) AS n
      FROM dataset_term t
      WHERE cardinality(${terms}) = 1 AND t.term = (${terms})[1] AND ${publicFromIsPublic(now, 't.public_from')}
      ORDER BY t.weight DESC, t.dataset_pid LIMIT ${k}) AS x
    UNION ALL
    SELECT b.pid, b.rank, b.n
    FROM fairbeam_best_datasets_2((${terms})[1], (${terms})[2], ${now}, ${k}, ${MAX_DEPTH}, ${LOOKUP_BATCH},
      ${PROBE_BATCH}) WITH ORDINALITY AS b(pid, rank, n)
    WHERE cardinality(${terms}) = 2`;
}

/**
 * The best `k` public datasets for the query terms, by rank (the sum of the terms' weights) then pid,
 * without ranking every match: the threshold algorithm over the postings index (term, weight DESC,
 * pid). Each round reads the first `depth` postings of every term. A dataset seen in no list ranks at
 * most `bound`, the sum of the last weights read, and if it ranks exactly that, it has each of those
 * weights and a pid after the last one read in each list. So once the k-th best candidate ranks above
 * `bound`, or at `bound` with a pid not after the largest last pid, no unseen dataset can enter the
 * page. Candidates missing from some list get their exact rank from the postings' primary key, a
 * batch per statement, best upper bound first, until none left could reach the k-th rank (kept across
 * rounds; a round unlikely to end the search ranks one small batch only). Otherwise the lists go 4×
 * deeper; past MAX_DEPTH every match is ranked. Pids are compared in SQL only, in the database's collation, as the index orders them.
 */
export async function bestDatasets(
  db: Db,
  terms: string[],
  now: Date,
  k: number,
): Promise<{ pid: string; rank: number }[]> {
  if (terms.length === 0) return [];
  const visible = publicFromIsPublic(now, 't.public_from');
  const termList = sql`CAST(${terms} AS text[])`;
  if (terms.length === 1) {
    const { rows } = await sql<{
      pid: string;
      rank: number;
    }>`SELECT t.dataset_pid AS pid, t.weight::float8 AS rank
      FROM dataset_term t WHERE t.term = ${terms[0]} AND ${visible}
      ORDER BY t.weight DESC, t.dataset_pid LIMIT ${k}`.execute(db);
    return rows.map((r) => ({ pid: r.pid, rank: Number(r.rank) }));
  }
  if (terms.length === 2) {
    // The same algorithm in one call inside PostgreSQL (migration 0016): the postings and look-ups
    // stay in the server, only the page comes back; it bounds a candidate's missing word by its
    // dataset's profile on the posting as the rounds below do (migrations 0020 and 0021).
    const { rows } = await sql<{ pid: string; rank: number }>`SELECT b.best_pid AS pid, b.best_rank AS rank
      FROM fairbeam_best_datasets_2(${terms[0]}, ${terms[1]}, ${now}, ${k}, ${MAX_DEPTH}, ${LOOKUP_BATCH},
        ${PROBE_BATCH}) WITH ORDINALITY AS b(best_pid, best_rank, n)
      ORDER BY b.n`.execute(db);
    return rows.map((r) => ({ pid: r.pid, rank: Number(r.rank) }));
  }
  // Three words and more: the rounds run from here. One candidate per dataset seen in a list, kept across rounds (no objects rebuilt per round):
  // its weights per term index (undefined where its posting was not read), their sum `lb` in the
  // order read, and its exact rank once known.
  const n = terms.length;
  const termBits = terms.map(termBit);
  const byPid = new Map<string, Cand>();
  const cands: Cand[] = [];
  // What the lists gave so far: each round reads on from the last entry of each list not ended.
  const read = new Array<number>(n).fill(0);
  const lastW = new Array<number>(n).fill(0);
  const lastPid = new Array<string>(n).fill('');
  let started = false;
  for (let depth = Math.max(64, 4 * k); depth <= MAX_DEPTH; depth *= 4) {
    const more: number[] = [];
    for (let t = 0; t < n; t++) if (!started || read[t] === depth / 4) more.push(t);
    const { rows } = await sql<{ i: number; pid: string; w: number; bits: string; weak: number }>`SELECT u.i,
        x.dataset_pid AS pid, x.weight::float8 AS w, x.strong_bits::text AS bits,
        x.weak_max::float8 AS weak
      FROM unnest(CAST(${more} AS int[]), CAST(${more.map((t) => terms[t]!)} AS text[]),
        CAST(${more.map((t) => (started ? lastW[t]! : null))} AS real[]),
        CAST(${more.map((t) => (started ? lastPid[t]! : null))} AS text[]),
        CAST(${more.map((t) => depth - read[t]!)} AS int[])) AS u(i, term, w, pid, n)
      CROSS JOIN LATERAL (SELECT t.dataset_pid, t.weight, t.strong_bits, t.weak_max FROM dataset_term t
        WHERE t.term = u.term AND t.weight <= coalesce(u.w, 'Infinity'::real)
          AND (u.w IS NULL OR t.weight < u.w OR t.dataset_pid > u.pid) AND ${visible}
        ORDER BY t.weight DESC, t.dataset_pid LIMIT u.n) AS x`.execute(db);
    started = true;
    for (const r of rows) {
      const t = r.i;
      const w = Number(r.w);
      read[t]!++;
      lastW[t] = w;
      lastPid[t] = r.pid;
      let c = byPid.get(r.pid);
      if (!c) {
        c = {
          pid: r.pid,
          ws: new Array<number | undefined>(n),
          bits: BigInt(r.bits),
          weak: Number(r.weak),
          lb: 0,
          ub: 0,
          rank: undefined,
          exact: undefined,
        };
        byPid.set(r.pid, c);
        cands.push(c);
      }
      c.ws[t] = w;
      c.lb += w;
    }
    // Lists not read to their end; an unseen dataset can still hold each of their terms.
    const open: number[] = [];
    for (let t = 0; t < n; t++) if (read[t] === depth) open.push(t);
    let bound = 0;
    for (const t of open) bound += lastW[t]!;
    const unranked: Cand[] = [];
    for (const c of cands) {
      let ub = c.lb;
      // A missing term weighs at most its list's last weight, and at most the dataset's weak maximum
      // unless its bit is among the dataset's strong ones (migration 0020).
      for (const t of open)
        if (c.ws[t] === undefined)
          ub += (c.bits & termBits[t]!) === 0n ? Math.min(lastW[t]!, c.weak) : lastW[t]!;
      // Seen in every open list (and ended lists hold no more): its lower bound is its rank.
      c.rank = ub > c.lb ? c.exact : c.lb;
      c.ub = c.rank ?? ub;
      if (c.rank === undefined) unranked.push(c);
    }
    // The k-th best rank known to be reached (exact ranks, else lower bounds); it only grows.
    const kthOf = (): number => kthLargest(cands, k);
    // Exact ranks by upper bound, best first, a batch at a time, until no candidate left unranked
    // could reach the k-th rank known (a margin keeps float sums in another order on the safe side).
    unranked.sort((x, y) => y.ub - x.ub);
    let kth = kthOf();
    // A round whose lower bounds stay under `bound` rarely ends the search (the words seldom meet):
    // it ranks only a first batch (kept for the next rounds) and goes deeper unless that lifts them.
    const likely = open.length === 0 || depth * 4 > MAX_DEPTH || kth > bound;
    let i = 0;
    while (i < unranked.length && unranked[i]!.ub >= kth - 1e-9) {
      if (!likely && i > 0 && kth <= bound) break;
      const size = likely || kth > bound ? LOOKUP_BATCH : PROBE_BATCH;
      const batch: Cand[] = [];
      for (; i < unranked.length && batch.length < size && unranked[i]!.ub >= kth - 1e-9; i++)
        batch.push(unranked[i]!);
      await exactRanks(db, terms, batch);
      kth = kthOf();
    }
    if (i < unranked.length && unranked[i]!.ub >= kth - 1e-9) continue;
    // Every candidate that could reach the page has its exact rank; order them in SQL (collation).
    const ranked = cands.filter((c) => c.rank !== undefined && c.rank >= kth - 1e-9);
    const { rows: top } = await sql<{ pid: string; rank: number; early: boolean }>`SELECT c.pid, c.rank,
        c.pid <= ANY (CAST(${open.map((t) => lastPid[t]!)} AS text[])) AS early
      FROM unnest(CAST(${ranked.map((c) => c.pid)} AS text[]),
        CAST(${ranked.map((c) => c.rank!)} AS float8[])) AS c(pid, rank)
      ORDER BY c.rank DESC, c.pid LIMIT ${k}`.execute(db);
    const page = top.map((r) => ({ pid: r.pid, rank: Number(r.rank) }));
    if (open.length === 0) return page;
    const kthRow = top[k - 1];
    if (kthRow && (Number(kthRow.rank) > bound || (Number(kthRow.rank) === bound && kthRow.early)))
      return page;
  }
  const { rows } = await sql<{
    pid: string;
    rank: number;
  }>`SELECT t.dataset_pid AS pid, sum(t.weight::float8) AS rank
    FROM dataset_term t WHERE t.term = ANY (${termList}) AND ${visible}
    GROUP BY t.dataset_pid ORDER BY rank DESC, t.dataset_pid LIMIT ${k}`.execute(db);
  return rows.map((r) => ({ pid: r.pid, rank: Number(r.rank) }));
}

/** The term's bit among a dataset's `strong_bits`: fairbeam_term_bit (migration 0020) in JavaScript. */
export function termBit(term: string): bigint {
  // Signed as in int8: the 64th bit is negative there too.
  return BigInt.asIntN(64, 1n << BigInt(createHash('md5').update(term).digest()[0]! & 63));
}

/** The exact ranks of these candidates (sum of the weights of the query terms in each). */
async function exactRanks(db: Db, terms: string[], batch: Cand[]): Promise<void> {
  const pids = batch.map((c) => c.pid);
  const { rows } = await sql<{ pid: string; rank: number | null }>`SELECT c.pid,
      (SELECT sum(t.weight::float8) FROM dataset_term t
        WHERE t.dataset_pid = c.pid AND t.term = ANY (CAST(${terms} AS text[]))) AS rank
    FROM unnest(CAST(${pids} AS text[])) AS c(pid)`.execute(db);
  const found = new Map<string, number>();
  for (const r of rows) found.set(r.pid, Number(r.rank ?? 0));
  for (const c of batch) c.rank = c.exact = found.get(c.pid) ?? c.lb;
}

interface Cand {
  pid: string;
  /** The weights read per term index; undefined where the list has not reached this dataset. */
  ws: (number | undefined)[];
  /** Its dataset's strong-term bits and weak maximum (migration 0020). */
  bits: bigint;
  weak: number;
  /** The sum of the weights read, in the order read. */
  lb: number;
  /** Its rank if it has every posting not read yet (set each round while unranked). */
  ub: number;
  /** Its rank this round: its lower bound if nothing can be missing, else its exact rank if looked up. */
  rank: number | undefined;
  /** Its exact rank, once looked up (kept across rounds). */
  exact: number | undefined;
}

/** The k-th largest of the candidates' exact ranks, else lower bounds (0 when fewer), keeping only the k largest seen, ascending. */
function kthLargest(cands: Cand[], k: number): number {
  const best: number[] = [];
  for (const c of cands) {
    const v = c.rank ?? c.lb;
    if (best.length === k && v <= best[0]!) continue;
    if (best.length === k) best.shift();
    let i = 0;
    while (i < best.length && best[i]! < v) i++;
    best.splice(i, 0, v);
  }
  return best.length === k ? best[0]! : 0;
}
