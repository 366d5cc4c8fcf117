// TypeBox schemas of a session's recorded containers (src/archive/packs/routes.ts).
import { Type, type Static } from '@sinclair/typebox';

export const RecordedContainer = Type.Object({
  name: Type.String(),
  file: Type.String({ description: 'absolute path of the container file when it was packed' }),
  fileSize: Type.Number({ description: 'bytes of the container file' }),
  sha256: Type.String({ description: 'sha256 of the whole container file' }),
  members: Type.Integer({ description: 'rows of /index' }),
  files: Type.Integer(),
  packedBytes: Type.Number({ description: 'bytes of the packed files (/blob)' }),
  created: Type.String({ format: 'date-time' }),
  datafiles: Type.Integer({ description: "registered datafiles of the session's datasets in it" }),
});
export const RecordedOwnTapeFile = Type.Object({
  path: Type.String({ description: 'relative to the packed directory' }),
  size: Type.Number(),
  reason: Type.Union([Type.Literal('large'), Type.Literal('hdf5')]),
  datafileId: Type.Union([Type.Integer(), Type.Null()]),
});
export const RecordedPack = Type.Object({
  id: Type.Integer(),
  outDir: Type.String(),
  source: Type.String({ description: 'the packed directory' }),
  targetSize: Type.Number(),
  largeFileThreshold: Type.Number(),
  files: Type.Integer({ description: 'files packed into containers' }),
  bytes: Type.Number(),
  problems: Type.Array(Type.Object({ path: Type.String(), reason: Type.String() }), {
    description: 'paths that could not be packed',
  }),
  recordedAt: Type.String({ format: 'date-time' }),
  containers: Type.Array(RecordedContainer),
  ownTapeFiles: Type.Array(RecordedOwnTapeFile),
});
export const SessionContainers = Type.Object({
  session: Type.String(),
  packs: Type.Array(RecordedPack),
});
export type SessionContainers = Static<typeof SessionContainers>;
