import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../http/wire.ts';

// Wire shapes of the logbook API. One schema each gives validation, the TS type and OpenAPI.

export const Kind = Type.Union([
  Type.Literal('annotation'),
  Type.Literal('notification'),
  Type.Literal('broadcast'),
]);
export const Category = Type.Union([
  Type.Literal('info'),
  Type.Literal('error'),
  Type.Literal('debug'),
  Type.Literal('commandLine'),
  Type.Literal('comment'),
]);
export const Format = Type.Union([Type.Literal('plainText'), Type.Literal('markdown'), Type.Literal('html')]);
export const Uuid = Type.String({ format: 'uuid' });

// Sizes are checked in code (413), not here (400): a schema maxLength would say "invalid", not "too large".
export const ContentInput = Type.Object(
  { format: Format, text: Type.String() },
  { additionalProperties: false },
);

export const EventInput = Type.Object(
  {
    clientId: Type.Optional(Uuid),
    kind: Type.Optional(Kind),
    category: Type.Optional(Category),
    author: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    occurredAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'when it happened, with offset' }),
    ),
    parentId: Type.Optional(Uuid),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
    datasetIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 100 })),
    attachments: Type.Optional(
      Type.Array(
        Type.Object(
          {
            sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
    content: ContentInput,
  },
  { additionalProperties: false, $id: 'LogbookEventInput' },
);
export type EventInput = Static<typeof EventInput>;

export const BatchInput = Type.Object(
  { events: Type.Array(EventInput, { minItems: 1 }) },
  { additionalProperties: false },
);

export const EditInput = Type.Object(
  {
    content: Type.Optional(ContentInput),
    tags: Type.Optional(EventInput.properties.tags),
    category: Type.Optional(Category),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type EditInput = Static<typeof EditInput>;

export const AttachmentWire = Type.Object(
  {
    sha256: Type.String(),
    name: Type.String(),
    mediaType: Type.String(),
    size: Type.Integer(),
    thumbnail: Type.Boolean(),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    url: Type.String(),
    thumbnailUrl: Nullable(Type.String()),
  },
  { $id: 'LogbookAttachment' },
);

const ContentWire = Type.Object({
  format: Format,
  text: Type.String(),
  html: Type.String({ description: 'sanitised HTML rendering' }),
});

export const EventWire = Type.Object(
  {
    id: Type.String(),
    logbookId: Type.String(),
    seq: Type.Integer(),
    clientId: Nullable(Type.String()),
    kind: Kind,
    category: Category,
    source: Type.String(),
    author: Nullable(Type.String()),
    occurredAt: Type.String({ format: 'date-time' }),
    receivedAt: Type.String({ format: 'date-time' }),
    parentId: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
    datasetIds: Type.Array(Type.String()),
    attachments: Type.Array(AttachmentWire),
    content: ContentWire,
    revision: Type.Integer({ description: 'also the ETag; send it back as If-Match to edit' }),
    editable: Type.Boolean({
      description: 'written by a person (notifications from software are immutable)',
    }),
    editedAt: Nullable(Type.String({ format: 'date-time' })),
    editedBy: Nullable(Type.String()),
    deletedAt: Nullable(Type.String({ format: 'date-time' })),
    snippet: Type.Optional(
      Type.String({ description: 'with ?q=: matched words in <mark>, the rest HTML-escaped' }),
    ),
  },
  { $id: 'LogbookEvent' },
);

export const LogbookWire = Type.Object(
  {
    id: Type.String(),
    scope: Type.Union([Type.Literal('session'), Type.Literal('instrument'), Type.Literal('facility')]),
    sessionId: Nullable(Type.String()),
    instrumentId: Nullable(Type.String()),
    facility: Nullable(Type.String()),
    state: Type.Union([Type.Literal('open'), Type.Literal('frozen')]),
    lastSeq: Type.Integer(),
    canWrite: Type.Boolean({ description: 'whether the caller may post here now' }),
    counts: Type.Object({
      events: Type.Integer(),
      annotation: Type.Integer(),
      notification: Type.Integer(),
      broadcast: Type.Integer(),
      comments: Type.Integer(),
      deleted: Type.Integer(),
    }),
  },
  { $id: 'Logbook' },
);

export const RevisionWire = Type.Object({
  revision: Type.Integer(),
  category: Category,
  tags: Type.Array(Type.String()),
  content: ContentWire,
  deleted: Type.Boolean(),
  author: Nullable(Type.String()),
  at: Type.String({ format: 'date-time' }),
});

export const DiffWire = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  parts: Type.Array(Type.Object({ value: Type.String(), added: Type.Boolean(), removed: Type.Boolean() })),
});

export const EventFilterQuery = {
  // At most 2^53 - 1: a seq beyond would reach SQL as a bigint out of range (a dropped live stream).
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'only events with seq > after',
    }),
  ),
  before: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'only events with seq < before',
    }),
  ),
  kind: Type.Optional(Type.Array(Kind)),
  category: Type.Optional(Type.Array(Category)),
  tag: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }))),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'full-text search' })),
  parent: Type.Optional(Uuid),
  includeDeleted: Type.Optional(Type.Boolean()),
};
