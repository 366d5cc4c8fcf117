import { Type, type TSchema } from '@sinclair/typebox';

/** Shared wire shapes: one TypeBox schema gives validation, the TS type and the OpenAPI entry. */
export const ErrorBody = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) },
  { $id: 'Error', description: 'Every error: a stable snake_case code and a human message' },
);

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next: Type.Union([Type.String(), Type.Null()], {
      description: 'pass back as ?cursor= for the next page',
    }),
    total: Type.Optional(Type.Integer({ description: 'only with ?count=true' })),
  });

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 2000 })),
  count: Type.Optional(Type.Boolean()),
};

export const DateQuery = Type.String({ format: 'date-time', description: 'ISO 8601 date-time' });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Technique = Type.Object({ id: Type.String(), name: Type.String() }, { $id: 'Technique' });
export const Json = Type.Record(Type.String(), Type.Unknown());

export const errorResponses = {
  400: Type.Ref('Error'),
  404: Type.Ref('Error'),
} as const;
