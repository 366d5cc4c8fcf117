import { FormatRegistry, type TSchema, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../../errors.ts';

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
}

/** Validates `value` against `schema`, throwing a 422 whose details name the first offending JSON pointer. */
export function validateDocument<S extends TSchema>(schema: S, value: unknown, code = 'invalid_document'): Static<S> {
  const first = Value.Errors(schema, value).First();
  if (!first) return value as Static<S>;
  const pointer = first.path || '/';
  const unknown = first.schema && (first.schema as { additionalProperties?: boolean }).additionalProperties === false;
  const message = unknown && first.message.toLowerCase().includes('unexpected property')
    ? `Unknown field at ${pointer}`
    : `${first.message} at ${pointer}`;
  throw new AppError(code, 422, message, { pointer });
}
