import { Type, type Static } from '@sinclair/typebox';

// The user-office export (shared/specs/interfaces.md). additionalProperties:false everywhere so an
// unknown field is an error naming its JSON pointer rather than data silently dropped.
const strict = { additionalProperties: false } as const;
const Id = Type.String({ minLength: 1, maxLength: 200 });
const Role = Type.Union([
  Type.Literal('principal_investigator'),
  Type.Literal('local_contact'),
  Type.Literal('collaborator'),
]);
const DateTime = Type.String({ format: 'date-time' });

export const ImportMember = Type.Object({ username: Id, role: Role }, strict);
export const ImportParameter = Type.Object(
  {
    name: Id,
    value: Type.Union([Type.Number(), Type.String({ maxLength: 10_000 })]),
    unit: Type.Optional(Type.String({ maxLength: 64 })),
  },
  strict,
);
export const ImportFile = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 4096 }),
    size: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  },
  strict,
);
export const ImportDataset = Type.Object(
  {
    name: Id,
    title: Type.Optional(Type.String({ maxLength: 1000 })),
    sample: Type.Optional(Id),
    techniques: Type.Optional(Type.Array(Id)),
    parameters: Type.Optional(Type.Array(ImportParameter)),
    files: Type.Optional(Type.Array(ImportFile)),
  },
  strict,
);
export const ImportSession = Type.Object(
  {
    id: Id,
    instrument: Id,
    start: DateTime,
    end: DateTime,
    releaseDate: Type.Optional(DateTime),
    members: Type.Optional(Type.Array(ImportMember)),
    samples: Type.Optional(
      Type.Array(
        Type.Object(
          { id: Id, name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()) },
          strict,
        ),
      ),
    ),
    datasets: Type.Optional(Type.Array(ImportDataset)),
  },
  strict,
);
export const ImportDocument = Type.Object(
  {
    facility: Type.Optional(Type.Object({ name: Id, fullName: Type.Optional(Type.String()) }, strict)),
    instruments: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id,
            name: Type.Optional(Type.String()),
            facility: Type.Optional(Id),
            techniques: Type.Optional(Type.Array(Id)),
          },
          strict,
        ),
      ),
    ),
    users: Type.Optional(
      Type.Array(
        Type.Object(
          {
            username: Type.String({ pattern: '^[A-Za-z0-9._@-]{1,64}$' }),
            fullName: Type.Optional(Type.String()),
            email: Type.Optional(Type.String()),
            orcid: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{4}-\\d{4}-\\d{3}[\\dX]$' })),
            affiliation: Type.Optional(Type.String()),
          },
          strict,
        ),
      ),
    ),
    proposals: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id,
            title: Type.Optional(Type.String()),
            summary: Type.Optional(Type.String()),
            members: Type.Optional(Type.Array(ImportMember)),
            sessions: Type.Optional(Type.Array(ImportSession)),
          },
          strict,
        ),
      ),
    ),
  },
  strict,
);
export type ImportDocument = Static<typeof ImportDocument>;
