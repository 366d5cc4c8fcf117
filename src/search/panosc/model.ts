import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { sessionIsPublic, sessionVisible } from '../../auth/policy.ts';
import { anonymous } from '../../auth/caller.ts';
import { LICENSE } from '../../catalogue/sessions/repo.ts';
import { PANET_IRI_PREFIX } from '../panet/hierarchy.ts';
import type { TextQuery } from './text.ts';

/**
 * The PaNOSC data model as views over our catalogue: each entity says where its rows come from (with
 * the anonymous embargo predicate where it applies), what fields it has (as SQL over an alias) and how
 * it relates to other entities. Everything else (filters, includes, scoring) is generic over this.
 */
export type FieldType = 'text' | 'number' | 'date' | 'boolean' | 'textArray' | 'value';

type Expr = RawBuilder<unknown>;

export interface Field {
  type: FieldType;
  sql(a: string, now: Date): Expr;
  /** Rendered in responses (default true); pseudo-fields used only in filters set false. */
  out?: boolean;
  /** Filters compare a PaNET id given without its IRI prefix as the IRI. */
  normalise?: (v: string) => string;
  /** `eq` means "contains, case-insensitive" (the reference's `text` on files). */
  eqAsContains?: boolean;
  /** An index-friendly form of `eq` (document pids are a DOI or, without one, the session id). */
  eq?(a: string, v: string): RawBuilder<SqlBool>;
}

export interface Relation {
  target: EntityName;
  many: boolean;
  on(parent: string, child: string): RawBuilder<SqlBool>;
}

export interface Entity {
  name: EntityName;
  from(a: string): Expr;
  /** The embargo predicate for anonymous callers; `true` for what only hangs off visible parents. */
  visible(a: string, now: Date): RawBuilder<SqlBool>;
  id(a: string): Expr;
  fields: Record<string, Field>;
  relations: Record<string, Relation>;
  defaultOrder: string[];
  /** Free text: how a row matches `query` and its rank (> 0 when it matches). */
  text?: { match(a: string, q: TextQuery): RawBuilder<SqlBool>; rank(a: string, q: TextQuery): Expr };
}

export type EntityName =
  | 'Dataset'
  | 'Document'
  | 'Instrument'
  | 'Technique'
  | 'Sample'
  | 'File'
  | 'Parameter'
  | 'Member'
  | 'Person'
  | 'Affiliation';

const ref = (a: string, col: string) => sql.ref(`${a}.${col}`);
const id = (a: string) => sql.id(a);
const always = () => sql<SqlBool>`true`;
const col = (type: FieldType, column: string, extra: Partial<Field> = {}): Field => ({
  type,
  sql: (a) => ref(a, column),
  ...extra,
});

// A dataset's postings (migration 0010): it matches when it holds any of the query's terms and ranks
// the sum of their weights (exact in float8: a few float4 weights of similar magnitude).
const queryTerms = (q: TextQuery) => sql`CAST(${q.terms} AS text[])`;
const datasetText = {
  match: (a: string, q: TextQuery) =>
    sql<SqlBool>`EXISTS (SELECT 1 FROM dataset_term tm WHERE tm.dataset_pid = ${ref(a, 'pid')} AND tm.term = ANY (${queryTerms(q)}))`,
  rank: (a: string, q: TextQuery) =>
    sql`coalesce((SELECT sum(tm.weight::float8) FROM dataset_term tm WHERE tm.dataset_pid = ${ref(a, 'pid')} AND tm.term = ANY (${queryTerms(q)})), 0)`,
};
// Must stay the expression of proposal_search_idx (migration 0003) for the index to be used.
const proposalVector = (p: string) =>
  sql`to_tsvector('english', ${ref(p, 'title')} || ' ' || ${ref(p, 'summary')})`;

const parameterValue: Field = {
  type: 'value',
  // Numbers stay numbers, text stays text: jsonb carries either through one column.
  sql: (a) =>
    sql`CASE WHEN ${ref(a, 'value_number')} IS NOT NULL THEN to_jsonb(${ref(a, 'value_number')}) ELSE to_jsonb(${ref(a, 'value_text')}) END`,
};

export const ENTITIES: Record<EntityName, Entity> = {
  Dataset: {
    name: 'Dataset',
    from: (a) =>
      sql`dataset AS ${id(a)} JOIN session AS ${id(`${a}_s`)} ON ${ref(`${a}_s`, 'id')} = ${ref(a, 'session_id')}`,
    visible: (a, now) => sessionVisible(anonymous, now, `${a}_s`),
    id: (a) => ref(a, 'pid'),
    fields: {
      pid: col('text', 'pid'),
      title: { type: 'text', sql: (a) => sql`coalesce(${ref(a, 'title')}, ${ref(a, 'name')})` },
      isPublic: { type: 'boolean', sql: (a, now) => sessionIsPublic(now, `${a}_s`) },
      creationDate: col('date', 'created_at'),
      size: col('number', 'size'),
    },
    relations: {
      documents: {
        target: 'Document',
        many: true,
        on: (p, c) => sql`${ref(c, 'id')} = ${ref(p, 'session_id')}`,
      },
      instrument: {
        target: 'Instrument',
        many: false,
        on: (p, c) => sql`${ref(c, 'id')} = ${ref(`${p}_s`, 'instrument_id')}`,
      },
      techniques: {
        target: 'Technique',
        many: true,
        on: (p, c) => sql`${ref(c, 'id')} = ANY (${ref(p, 'techniques')})`,
      },
      samples: { target: 'Sample', many: true, on: (p, c) => sql`${ref(c, 'id')} = ${ref(p, 'sample_id')}` },
      files: { target: 'File', many: true, on: (p, c) => sql`${ref(c, 'dataset_pid')} = ${ref(p, 'pid')}` },
      parameters: {
        target: 'Parameter',
        many: true,
        on: (p, c) => sql`${ref(c, 'dataset_pid')} = ${ref(p, 'pid')}`,
      },
    },
    defaultOrder: ['pid'],
    text: datasetText,
  },
  Document: {
    name: 'Document',
    // Every session has its proposal (NOT NULL, foreign key), so the LEFT JOIN is the same join, and
    // PostgreSQL drops it where no proposal column is used (counts, pages by session columns).
    from: (a) =>
      sql`session AS ${id(a)} LEFT JOIN proposal AS ${id(`${a}_p`)} ON ${ref(`${a}_p`, 'id')} = ${ref(a, 'proposal_id')}`,
    visible: (a, now) => sessionVisible(anonymous, now, a),
    id: (a) => ref(a, 'id'),
    fields: {
      pid: {
        type: 'text',
        sql: (a) => sql`coalesce(${ref(a, 'doi')}, ${ref(a, 'id')})`,
        eq: (a, v) =>
          sql<SqlBool>`(${ref(a, 'doi')} = ${v} OR (${ref(a, 'doi')} IS NULL AND ${ref(a, 'id')} = ${v}))`,
      },
      isPublic: { type: 'boolean', sql: (a, now) => sessionIsPublic(now, a) },
      type: { type: 'text', sql: () => sql`'proposal'::text` },
      title: { type: 'text', sql: (a) => ref(`${a}_p`, 'title') },
      summary: { type: 'text', sql: (a) => ref(`${a}_p`, 'summary') },
      doi: col('text', 'doi'),
      keywords: {
        type: 'textArray',
        // The names of the techniques its datasets used: the closest thing to keywords we hold.
        sql: (
          a,
        ) => sql`ARRAY(SELECT DISTINCT kt.name FROM dataset kd CROSS JOIN LATERAL unnest(kd.techniques) AS ku(tid)
          JOIN technique kt ON kt.id = ku.tid WHERE kd.session_id = ${ref(a, 'id')} ORDER BY kt.name)`,
      },
      startDate: col('date', 'start_at'),
      endDate: col('date', 'end_at'),
      releaseDate: col('date', 'release_date'),
      license: { type: 'text', sql: () => sql`${LICENSE}::text` },
    },
    relations: {
      datasets: {
        target: 'Dataset',
        many: true,
        on: (p, c) => sql`${ref(c, 'session_id')} = ${ref(p, 'id')}`,
      },
      members: { target: 'Member', many: true, on: (p, c) => sql`${ref(c, 'session_id')} = ${ref(p, 'id')}` },
      parameters: {
        target: 'Parameter',
        many: true,
        on: (p, c) =>
          sql`EXISTS (SELECT 1 FROM dataset pd WHERE pd.pid = ${ref(c, 'dataset_pid')} AND pd.session_id = ${ref(p, 'id')})`,
      },
    },
    defaultOrder: ['pid'],
    text: {
      // A document matches on its proposal's words or through any of its datasets.
      match: (a, q) => sql<SqlBool>`(${proposalVector(`${a}_p`)} @@ ${q.ts}
        OR EXISTS (SELECT 1 FROM dataset td WHERE td.session_id = ${ref(a, 'id')} AND td.search_vector @@ ${q.ts}))`,
      rank: (a, q) => sql`greatest(ts_rank(${proposalVector(`${a}_p`)}, ${q.ts}),
        (SELECT max(ts_rank(td.search_vector, ${q.ts})) FROM dataset td WHERE td.session_id = ${ref(a, 'id')} AND td.search_vector @@ ${q.ts}))`,
    },
  },
  Instrument: {
    name: 'Instrument',
    from: (a) => sql`instrument AS ${id(a)}`,
    visible: always, // beamlines are facility facts, not embargoed data
    id: (a) => ref(a, 'id'),
    fields: { pid: col('text', 'id'), name: col('text', 'name'), facility: col('text', 'facility') },
    relations: {
      datasets: {
        target: 'Dataset',
        many: true,
        on: (p, c) => sql`${ref(`${c}_s`, 'instrument_id')} = ${ref(p, 'id')}`,
      },
    },
    defaultOrder: ['pid'],
    text: {
      match: (a, q) =>
        sql<SqlBool>`to_tsvector('english', ${ref(a, 'name')} || ' ' || ${ref(a, 'id')} || ' ' || ${ref(a, 'facility')}) @@ ${q.ts}`,
      rank: (a, q) =>
        sql`ts_rank(to_tsvector('english', ${ref(a, 'name')} || ' ' || ${ref(a, 'id')} || ' ' || ${ref(a, 'facility')}), ${q.ts})`,
    },
  },
  Technique: {
    name: 'Technique',
    from: (a) => sql`technique AS ${id(a)}`,
    visible: always,
    id: (a) => ref(a, 'id'),
    fields: {
      pid: { type: 'text', sql: (a) => panetIri(a), normalise: toIri },
      panetId: { type: 'text', sql: (a) => panetIri(a), normalise: toIri },
      name: col('text', 'name'),
    },
    relations: {},
    defaultOrder: ['name'],
  },
  Sample: {
    name: 'Sample',
    from: (a) => sql`sample AS ${id(a)}`,
    visible: always, // reached only through a visible dataset
    id: (a) => sql`${ref(a, 'id')}::text`,
    fields: {
      pid: { type: 'text', sql: (a) => sql`${ref(a, 'session_id')} || '/' || ${ref(a, 'sample_key')}` },
      name: col('text', 'name'),
      description: col('text', 'description'),
    },
    relations: {},
    defaultOrder: ['pid'],
  },
  File: {
    name: 'File',
    from: (a) => sql`datafile AS ${id(a)}`,
    visible: always, // reached only through a visible dataset
    id: (a) => sql`${ref(a, 'id')}::text`,
    fields: {
      id: { type: 'text', sql: (a) => sql`${ref(a, 'id')}::text` },
      name: { type: 'text', sql: (a) => sql`regexp_replace(${ref(a, 'path')}, '^.*/', '')` },
      path: col('text', 'path'),
      size: col('number', 'size'),
      text: col('text', 'path', { out: false, eqAsContains: true }),
    },
    relations: {},
    defaultOrder: ['path'],
  },
  Parameter: {
    name: 'Parameter',
    from: (a) => sql`parameter AS ${id(a)}`,
    visible: always, // reached only through a visible dataset or document
    id: (a) => sql`${ref(a, 'id')}::text`,
    fields: {
      id: { type: 'text', sql: (a) => sql`${ref(a, 'id')}::text` },
      name: col('text', 'name'),
      value: parameterValue,
      unit: col('text', 'unit'),
    },
    relations: {},
    defaultOrder: ['name', 'id'],
  },
  Member: {
    name: 'Member',
    from: (a) => sql`session_member AS ${id(a)}`,
    visible: always, // reached only through a visible document
    id: (a) => sql`${ref(a, 'session_id')} || '|' || ${ref(a, 'user_id')}`,
    fields: {
      id: { type: 'text', sql: (a) => sql`${ref(a, 'session_id')} || '|' || ${ref(a, 'user_id')}` },
      role: { type: 'text', sql: (a) => sql`replace(${ref(a, 'role')}, '_', ' ')` },
    },
    relations: {
      person: { target: 'Person', many: false, on: (p, c) => sql`${ref(c, 'id')} = ${ref(p, 'user_id')}` },
      affiliation: {
        target: 'Affiliation',
        many: false,
        on: (p, c) => sql`${ref(c, 'id')} = ${ref(p, 'user_id')} AND ${ref(c, 'affiliation')} IS NOT NULL`,
      },
    },
    defaultOrder: ['role', 'id'],
  },
  Person: {
    name: 'Person',
    from: (a) => sql`app_user AS ${id(a)}`,
    visible: always, // reached only through a member of a visible document
    id: (a) => sql`${ref(a, 'id')}::text`,
    fields: {
      id: { type: 'text', sql: (a) => sql`coalesce(${ref(a, 'orcid')}, 'user:' || ${ref(a, 'id')})` },
      fullName: { type: 'text', sql: (a) => sql`coalesce(${ref(a, 'full_name')}, ${ref(a, 'username')})` },
      orcid: col('text', 'orcid'),
    },
    relations: {},
    defaultOrder: ['fullName'],
  },
  Affiliation: {
    name: 'Affiliation',
    from: (a) => sql`app_user AS ${id(a)}`,
    visible: always,
    id: (a) => sql`${ref(a, 'id')}::text`,
    fields: { name: col('text', 'affiliation') },
    relations: {},
    defaultOrder: ['name'],
  },
};

function panetIri(a: string): Expr {
  return sql`CASE WHEN ${ref(a, 'id')} LIKE 'PaNET%' THEN ${PANET_IRI_PREFIX} || ${ref(a, 'id')} ELSE ${ref(a, 'id')} END`;
}
function toIri(v: string): string {
  return /^PaNET\d+$/.test(v) ? PANET_IRI_PREFIX + v : v;
}
