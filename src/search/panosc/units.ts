import { toSI } from '../../units/convert.ts';
import type { Cond, Op } from './ast.ts';

const NUMERIC_OPS: readonly Op[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'inq', 'nin'];

type Cmp = Extract<Cond, { kind: 'cmp' }>;

const isNumericValue = (c: Cond): c is Cmp =>
  c.kind === 'cmp' &&
  c.field === 'value' &&
  NUMERIC_OPS.includes(c.op) &&
  (Array.isArray(c.value) ? c.value.every((v) => typeof v === 'number') : typeof c.value === 'number');

const isUnitEq = (c: Cond): c is Cmp =>
  c.kind === 'cmp' && c.field === 'unit' && c.op === 'eq' && typeof c.value === 'string';

/**
 * Where a parameter condition names a unit and numeric values side by side — `{name, value: {gt: 8000},
 * unit: 'eV'}` or the reference's `{and: [{name}, {value: {gt: 8000}}, {unit: 'eV'}]}` — the values are
 * converted to SI and compared with the stored `si_value` of parameters of the same SI unit, so 12.4 keV
 * matches "> 8000 eV". A unit we cannot convert keeps the literal comparison (value and unit as stored).
 */
export function convertParameterUnits(cond: Cond): Cond {
  if (cond.kind === 'or') return { kind: 'or', items: cond.items.map(convertParameterUnits) };
  if (cond.kind !== 'and') return cond;
  const flat: Cond[] = [];
  const walk = (c: Cond) => (c.kind === 'and' ? c.items.forEach(walk) : flat.push(convertParameterUnits(c)));
  cond.items.forEach(walk);
  const units = flat.filter(isUnitEq);
  const values = flat.filter(isNumericValue);
  if (units.length !== 1 || values.length === 0) return { kind: 'and', items: flat };
  const unit = units[0]!.value as string;
  const converted: Cond[] = [];
  for (const c of values) {
    const list = (Array.isArray(c.value) ? c.value : [c.value]) as number[];
    const si = list.map((v) => toSI(v, unit));
    const reference = toSI(1, unit);
    if (!reference || si.some((q) => q === undefined || q.unit !== reference.unit))
      return { kind: 'and', items: flat };
    converted.push({ kind: 'si', op: c.op, values: si.map((q) => q!.value), siUnit: reference.unit });
  }
  return {
    kind: 'and',
    items: [...flat.filter((c) => c !== units[0] && !values.includes(c as Cmp)), ...converted],
  };
}
