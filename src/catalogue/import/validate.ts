import { FormatRegistry, type TSchema, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../../errors.ts';

/**
 * ISO 8601 date-times whose fields are real: `Date.parse` happily turns 2023-02-31 into March 3rd,
 * which would silently shift a session, so the calendar date must survive a round trip.
 */
export function isDateTime(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.exec(v);
  if (!m || Number.isNaN(Date.parse(v))) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[7] ?? '0'].map(
    Number,
  ) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    hour! < 24 &&
    minute! < 60 &&
    second! < 60
  );
}

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isDateTime);

/** The JSON pointer of the first string under `value` containing a NUL character, which PostgreSQL text cannot hold. */
export function findNulCharacter(value: unknown, pointer = ''): string | undefined {
  const escape = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
  if (typeof value === 'string') return value.includes('\u0000') ? pointer || '/' : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findNulCharacter(v, `${pointer}/${i}`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = k.includes('\u0000')
        ? `${pointer}/${escape(k)}`
        : findNulCharacter(v, `${pointer}/${escape(k)}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** Validates `value` against `schema`, throwing a 422 whose details name the first offending JSON pointer. */
export function validateDocument<S extends TSchema>(
  schema: S,
  value: unknown,
  code = 'invalid_document',
): Static<S> {
  const nul = findNulCharacter(value);
  if (nul) throw new AppError(code, 422, `NUL characters are not allowed at ${nul}`, { pointer: nul });
  const first = Value.Errors(schema, value).First();
  if (!first) return value as Static<S>;
  const pointer = first.path || '/';
  const unknown =
    first.schema && (first.schema as { additionalProperties?: boolean }).additionalProperties === false;
  const message =
    unknown && first.message.toLowerCase().includes('unexpected property')
      ? `Unknown field at ${pointer}`
      : `${first.message} at ${pointer}`;
  throw new AppError(code, 422, message, { pointer });
}
