/** A validated PaNOSC filter: what parse.ts produces from the JSON and compile.ts turns into SQL. */
export type Op =
  | 'eq'
  | 'neq'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'between'
  | 'inq'
  | 'nin'
  | 'like'
  | 'nlike'
  | 'ilike'
  | 'nilike';
export const OPERATORS: readonly Op[] = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'inq',
  'nin',
  'like',
  'nlike',
  'ilike',
  'nilike',
];

export type Scalar = string | number | boolean | Date;

export type Cond =
  /**
   * `separate`: parameter conditions `{and: [{name: a, ...}, {name: b, ...}]}` — each item must be
   * matched by some parameter of the parent (one EXISTS each); a single parameter matches any item.
   */
  | { kind: 'and'; items: Cond[]; separate?: boolean }
  | { kind: 'or'; items: Cond[] }
  | { kind: 'cmp'; field: string; op: Op; value: Scalar | Scalar[] | null }
  /** A parameter value compared in SI units (the unit given in the filter has been converted away). */
  | { kind: 'si'; op: Op; values: number[]; siUnit: string };

export interface OrderItem {
  field: string; // a field name, or 'score'
  desc: boolean;
}

export interface Filter {
  where?: Cond;
  include: Include[];
  /** Output fields to keep; undefined = all. */
  fields?: string[];
  order?: OrderItem[];
  limit: number;
  skip: number;
}

export interface Include {
  relation: string;
  filter: Filter;
  /** For techniques with a `where`: the matching PaNET ids and all their descendants (techniques.ts). */
  techniqueIds?: string[];
}

/** Whether this include restricts its parent: a `where` here or in any include below. */
export const restricts = (inc: Include): boolean =>
  inc.filter.where !== undefined || inc.filter.include.some(restricts);
