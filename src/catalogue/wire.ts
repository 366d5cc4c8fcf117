import { Type } from '@sinclair/typebox';
import { Json, Nullable } from '../http/wire.ts';
import { TapeCopy } from '../archive/workflow/wire.ts';

// Response shapes of the native catalogue API. Keep in step with the repo interfaces (tsc checks
// the routes return what these say).
const TechniqueRef = Type.Object({ id: Type.String(), name: Type.String() });

export const InstrumentWire = Type.Object(
  { id: Type.String(), name: Type.String(), facility: Type.String(), techniques: Type.Array(TechniqueRef) },
  { $id: 'Instrument' },
);

const MemberWire = Type.Object({
  username: Type.String(),
  fullName: Nullable(Type.String()),
  orcid: Nullable(Type.String()),
  affiliation: Nullable(Type.String()),
  role: Type.String(),
});

export const SessionWire = Type.Object(
  {
    id: Type.String(),
    proposalId: Type.String(),
    title: Type.String(),
    instrumentId: Type.String(),
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
    releaseDate: Type.String({ format: 'date-time' }),
    releasedAt: Nullable(Type.String({ format: 'date-time' })),
    isPublic: Type.Boolean(),
    license: Type.String(),
    doi: Nullable(Type.String()),
    datasetCount: Type.Integer(),
    members: Type.Array(MemberWire),
  },
  { $id: 'Session' },
);

export const ProposalWire = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    summary: Type.String(),
    sessions: Type.Array(Type.String(), { description: 'ids of the sessions visible to the caller' }),
    members: Type.Array(
      Type.Object({ username: Type.String(), fullName: Nullable(Type.String()), role: Type.String() }),
    ),
  },
  { $id: 'Proposal' },
);

export const ParameterWire = Type.Object(
  {
    name: Type.String(),
    value: Nullable(Type.Union([Type.Number(), Type.String()])),
    unit: Nullable(Type.String()),
    siValue: Nullable(Type.Number()),
    siUnit: Nullable(Type.String()),
    datafileId: Nullable(Type.Integer()),
  },
  { $id: 'Parameter' },
);

export const DatasetWire = Type.Object(
  {
    pid: Type.String(),
    name: Type.String(),
    title: Nullable(Type.String()),
    sessionId: Type.String(),
    proposalId: Type.String(),
    instrumentId: Type.String(),
    sample: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
    techniques: Type.Array(TechniqueRef),
    parameters: Type.Array(ParameterWire),
    size: Type.Integer({ description: 'bytes, sum of its files' }),
    fileCount: Type.Integer(),
    filesOnTape: Type.Optional(
      Type.Integer({
        description:
          'files whose bytes are only on tape now (offline or being restored): a download of them answers 202 until they are back; given by GET /datasets/{pid}',
      }),
    ),
    createdAt: Type.String({ format: 'date-time' }),
    isPublic: Type.Boolean(),
    license: Type.String(),
    metadata: Json,
  },
  { $id: 'Dataset' },
);

export const DatafileWire = Type.Object(
  {
    id: Type.Integer(),
    datasetPid: Type.String(),
    path: Type.String(),
    size: Type.Integer(),
    sha256: Nullable(Type.String()),
    mtime: Nullable(Type.String({ format: 'date-time' })),
    state: Type.String({ description: 'online, archiving, archived, offline or restoring' }),
    metadata: Json,
    copies: Type.Array(TapeCopy, { description: 'verified tape copies' }),
  },
  { $id: 'Datafile' },
);

export const SampleWire = Type.Object(
  {
    id: Type.Integer(),
    sessionId: Type.String(),
    key: Type.String(),
    name: Type.String(),
    description: Type.String(),
  },
  { $id: 'Sample' },
);
