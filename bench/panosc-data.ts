// The PaNOSC bench's catalogue (bench/panosc.ts): datasets with ~10 parameters each, titles and
// summaries from a Zipf-drawn vocabulary, techniques from PaNET, one session in five under embargo,
// generated set-based in SQL on PostgreSQL or PGlite.
import { sql, type RawBuilder } from 'kysely';
import type { Database, Db } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { syncTechniques } from '../src/catalogue/techniques/repo.ts';

/** Parameters per dataset (BENCH_PANOSC_PARAMS, at most 10). */
export const PARAMS = Math.min(10, Number(process.env.BENCH_PANOSC_PARAMS ?? 10));

// A vocabulary for titles and summaries, drawn with a Zipf-like law (the word of rank r with
// probability ~1/r): a few words are in most titles, most words in few, as in a real catalogue.
export const VOCABULARY = (
  'sample structure protein crystal phase temperature measurement oxide surface thin film battery ' +
  'cathode catalyst magnetic powder diffraction spectroscopy nanoparticle polymer alloy copper iron ' +
  'membrane zeolite perovskite graphene lysozyme enzyme cement glass foam superconductor interface ' +
  'dynamics pressure strain hydrogen lithium nickel cobalt titanium silicon carbon oxygen water solution ' +
  'complex ligand binding domain mutant kinase receptor virus antibody lipid bilayer micelle colloid gel ' +
  'fibre composite ceramic coating corrosion weld fatigue fracture grain boundary texture residual stress ' +
  'tomography imaging mapping operando in-situ high-pressure low-temperature annealed doped layered ' +
  'ordered disordered amorphous liquid melt electrolyte anode solid-state spin orbital charge density ' +
  'wave topological insulator semiconductor quantum dot wire heterostructure multilayer mineral rock ' +
  'soil meteorite archaeological pigment paint bone tooth wood cellulose starch pharmaceutical drug ' +
  'cocrystal polymorph hydrate solvate framework mof cage porous adsorption desorption kinetics ' +
  'reaction mechanism intermediate transition ferroelectric multiferroic skyrmion vortex domain-wall'
).split(' ');
// Techniques of many families, so that expansion over the PaNET hierarchy has work to do.
const TECHNIQUES = [
  'PaNET01188',
  'PaNET01227',
  'PaNET01196',
  'PaNET01103',
  'PaNET01204',
  'PaNET01101',
  'PaNET01102',
  'PaNET01216',
  'PaNET01207',
  'PaNET01191',
  'PaNET01164',
  'PaNET01205',
  'PaNET01217',
  'PaNET01133',
  'PaNET01245',
  'PaNET01190',
];
// name, unit, low, span, factor to SI, SI unit
const PARAMETERS: [string, string, number, number, number, string][] = [
  ['photon_energy', 'keV', 5, 20, 1.602176634e-16, 'J'],
  ['temperature', 'K', 4, 400, 1, 'K'],
  ['wavelength', 'angstrom', 0.5, 4.5, 1e-10, 'm'],
  ['pressure', 'kPa', 0, 1000, 1000, 'Pa'],
  ['exposure_time', 's', 0.001, 10, 1, 's'],
  ['detector_distance', 'mm', 100, 5000, 0.001, 'm'],
  ['beam_current', 'mA', 10, 190, 0.001, 'A'],
  ['sample_angle', 'deg', 0, 180, Math.PI / 180, 'rad'],
  ['magnetic_field', 'T', 0, 9, 1, 'T'],
  ['flux', 'ph/s', 1e10, 1e13, 1, '1/s'],
];

/**
 * Bulk-generates the catalogue set-based in SQL (INSERT ... SELECT generate_series): no row-by-row
 * triggers or foreign-key checks (the rows are consistent by construction), search vectors computed
 * once by the same function the triggers use, postings (migration 0010) derived in one pass, indexes
 * built after the load, then VACUUM ANALYZE (statistics, and the visibility map for index-only scans).
 */
export async function generate(database: Database, datasets: number): Promise<number> {
  return database.db.connection().execute(async (db) => {
    await sql`SET session_replication_role = replica`.execute(db).catch(() => {});
    await sql`SET maintenance_work_mem = '256MB'`.execute(db).catch(() => {});
    // JIT would compile the search-vector function's statements again and again (most of the time).
    await sql`SET jit = off`.execute(db).catch(() => {});
    try {
      return await fill(db, database.kind, datasets);
    } finally {
      await sql`RESET session_replication_role`.execute(db).catch(() => {});
    }
  });
}

/** `arr[r]` with r drawn ~1/r from 1..n by a hash of `seed` (deterministic). */
const zipf = (arr: RawBuilder<unknown>, n: number, seed: RawBuilder<unknown>) =>
  sql`(${arr})[least(${n}::int, floor(exp((abs(hashint8(${seed}))::float8 / 2147483648.0) * ln(${n}::int + 1)))::int)]`;

/** Words drawn from the vocabulary: `count` of them, seeded by `seed` (an int8 expression). */
const phrase = (count: RawBuilder<unknown>, seed: RawBuilder<unknown>) =>
  sql`(SELECT string_agg(${zipf(sql`${VOCABULARY}::text[]`, VOCABULARY.length, sql`${seed} * 64 + j`)}, ' ')
    FROM generate_series(1, ${count}) AS j)`;

/** Tables whose indexes are dropped for the load and rebuilt from their own definitions after it. */
const LOADED = ['dataset', 'parameter', 'dataset_term', 'dataset_technique'];
const onParameter = (i: { def: string }) => / ON (public\.)?parameter /.test(i.def);

async function fill(db: Db, kind: Database['kind'], datasets: number): Promise<number> {
  const started = performance.now();
  const step = (what: string) =>
    console.error(`bench panosc: ${kind} ${((performance.now() - started) / 1000).toFixed(0)} s: ${what}`);
  await migrateToLatest(db);
  await syncTechniques(db);
  const sessions = Math.max(20, Math.round(datasets / 100));
  const proposals = Math.ceil(sessions / 2);
  await sql`INSERT INTO facility VALUES ('BF', 'Bench Facility')`.execute(db);
  await sql`INSERT INTO instrument (id, name, facility) SELECT 'BL' || i, 'Beamline ' || i, 'BF' FROM generate_series(1, 30) i`.execute(
    db,
  );
  await sql`INSERT INTO app_user (username, full_name) SELECT 'user' || i, 'User ' || i FROM generate_series(1, 2000) i`.execute(
    db,
  );
  await sql`INSERT INTO proposal (id, title, summary)
    SELECT 'P' || i, ${phrase(sql`4 + i % 5`, sql`(-i)::int8`)}, ${phrase(sql`12 + i % 13`, sql`(-i - 10000000)::int8`)}
    FROM generate_series(1, ${proposals}::int) i`.execute(db);
  // Sessions spread over 15 years up to a month ago, public 3 years after their end: the last fifth is
  // under embargo, except one in ten of those released early (released_at).
  await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date, released_at)
    SELECT 'S' || i, 'P' || (1 + i % ${proposals}::int), 'BL' || (1 + i % 30), t, t + interval '3 days',
      t + interval '3 years 3 days',
      CASE WHEN t + interval '3 years 3 days' > now() AND i % 10 = 0 THEN now() - interval '1 day' END
    FROM generate_series(1, ${sessions}::int) i,
      LATERAL (SELECT now() - interval '15 years' + i * (interval '14 years 11 months' / ${sessions}::int) AS t) x`.execute(
    db,
  );
  await sql`INSERT INTO session_member (session_id, user_id, role)
    SELECT 'S' || i, 1 + i % 2000, 'principal_investigator' FROM generate_series(1, ${sessions}::int) i`.execute(
    db,
  );
  step('sessions');
  // Triggers (search vectors, postings) stay off: the load computes what they would, set-based.
  await sql`ALTER TABLE dataset DISABLE TRIGGER USER`.execute(db);
  await sql`ALTER TABLE parameter DISABLE TRIGGER USER`.execute(db);
  const { rows: indexes } = await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def
    FROM pg_indexes WHERE tablename = ANY (${LOADED}::text[]) AND schemaname = current_schema()
      AND indexname NOT IN (SELECT conname FROM pg_constraint)`.execute(db);
  // Primary keys nothing refers to (the postings') are dropped and added back too.
  const { rows: keys } = await sql<{
    tab: string;
    name: string;
    def: string;
  }>`SELECT c.conrelid::regclass::text AS tab,
      c.conname AS name, pg_get_constraintdef(c.oid) AS def
    FROM pg_constraint c WHERE c.contype = 'p' AND c.conrelid::regclass::text IN ('dataset_term', 'dataset_technique')`.execute(
    db,
  );
  for (const i of indexes) await sql`DROP INDEX ${sql.id(i.name)}`.execute(db);
  for (const k of keys) await sql`ALTER TABLE ${sql.id(k.tab)} DROP CONSTRAINT ${sql.id(k.name)}`.execute(db);
  const pid = sql`'10.5072/bench.' || i`;
  const params = PARAMETERS.slice(0, PARAMS);
  for (const [k, [name, unit, low, span, factor, si]] of params.entries()) {
    // A deterministic spread over [low, low + span), independent between parameters: hash of (dataset, parameter).
    await sql`INSERT INTO parameter (dataset_pid, name, value_number, unit, si_value, si_unit)
      SELECT ${pid}, ${name}, v, ${unit}, v * ${factor}::float8, ${si}
      FROM generate_series(1, ${datasets}::int) i,
        LATERAL (SELECT ${low}::float8 + ${span}::float8 * (abs(hashint8(i::bigint * 16 + ${k}::int)) / 2147483648.0) AS v) x`.execute(
      db,
    );
  }
  for (const i of indexes.filter(onParameter)) await sql.raw(i.def).execute(db);
  step('parameters');
  // Techniques across the PaNET tree: the common ones of a facility first, then every other term, drawn
  // ~1/rank; one dataset in three has a second technique.
  const { rows: tech } = await sql<{
    ids: string[];
  }>`SELECT array_agg(id ORDER BY array_position(${TECHNIQUES}::text[], id), md5(id)) AS ids
    FROM technique`.execute(db);
  const techs = sql`${tech[0]!.ids}::text[]`;
  const n = tech[0]!.ids.length;
  // The search vector by the function the triggers use, over the row as it will be stored.
  await sql`INSERT INTO dataset (pid, session_id, name, title, techniques, size, file_count, created_at, search_vector)
    SELECT r.pid, r.session_id, r.name, r.title, r.techniques, r.size, r.file_count, r.created_at,
      fairbeam_dataset_search_vector(r)
    FROM generate_series(1, ${datasets}::int) i,
      LATERAL jsonb_populate_record(NULL::dataset, jsonb_build_object(
        'pid', ${pid}, 'session_id', 'S' || (1 + i % ${sessions}::int), 'name', 'scan_' || i,
        'title', ${phrase(sql`3 + i % 6`, sql`i::int8`)},
        'techniques', CASE WHEN i % 3 = 0
          THEN ARRAY[${zipf(techs, n, sql`i::int8 * 2`)}, ${zipf(techs, n, sql`i::int8 * 2 + 1`)}]
          ELSE ARRAY[${zipf(techs, n, sql`i::int8 * 2`)}] END,
        'size', 1048576 * (1 + i % 100), 'file_count', 1 + i % 50, 'created_at', now() - i * interval '1 minute'
      )) AS r`.execute(db);
  step('datasets and search vectors');
  await sql`INSERT INTO dataset_term (term, dataset_pid, weight, public_from, strong_bits, weak_max)
    SELECT t.term, d.pid, t.weight, fairbeam_public_from(s.release_date, s.released_at), p.strong_bits, p.weak_max
    FROM dataset d JOIN session s ON s.id = d.session_id, fairbeam_search_terms(d.search_vector) AS t,
      fairbeam_term_profile(d.search_vector) AS p`.execute(db);
  await sql`INSERT INTO dataset_technique (technique_id, dataset_pid, public_from)
    SELECT DISTINCT x, d.pid, fairbeam_public_from(s.release_date, s.released_at)
    FROM dataset d JOIN session s ON s.id = d.session_id, unnest(d.techniques) AS x`.execute(db);
  // Family counts (migration 0012) over the closure syncTechniques wrote above.
  await sql`SELECT fairbeam_technique_family_rebuild()`.execute(db);
  step('postings');
  for (const k of keys) await sql.raw(`ALTER TABLE ${k.tab} ADD CONSTRAINT ${k.name} ${k.def}`).execute(db);
  for (const i of indexes.filter((x) => !onParameter(x))) await sql.raw(i.def).execute(db);
  await sql`ALTER TABLE dataset ENABLE TRIGGER USER`.execute(db);
  await sql`ALTER TABLE parameter ENABLE TRIGGER USER`.execute(db);
  step('indexes');
  await sql`VACUUM ANALYZE`.execute(db);
  step('vacuum analyze');
  return (performance.now() - started) / 1000;
}
