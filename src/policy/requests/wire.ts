import { Type } from '@sinclair/typebox';
import { Nullable } from '../../http/wire.ts';

export const PolicyRequestWire = Type.Object(
  {
    id: Type.Integer(),
    sessionId: Type.String(),
    kind: Type.Union([Type.Literal('extension'), Type.Literal('early_release')]),
    requestedReleaseDate: Nullable(Type.String({ format: 'date-time' })),
    reason: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
    requestedBy: Type.String(),
    requestedAt: Type.String({ format: 'date-time' }),
    decidedBy: Nullable(Type.String()),
    decidedAt: Nullable(Type.String({ format: 'date-time' })),
    decisionNote: Nullable(Type.String()),
    releaseDate: Type.String({ format: 'date-time', description: "the session's release date now" }),
  },
  { $id: 'PolicyRequest' },
);

export const NewPolicyRequestBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('extension'), Type.Literal('early_release')]),
    releaseDate: Type.Optional(
      Type.String({ format: 'date-time', description: 'the new release date (extension only)' }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 4000 }),
  },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 4000 })) },
  { additionalProperties: false },
);
