// TypeBox schemas of the tape and archive admin API (src/archive/workflow/routes.ts).
import { Type } from '@sinclair/typebox';

export const Generation = Type.Union([Type.Literal('lto7'), Type.Literal('lto8'), Type.Literal('lto9')]);
export const LibraryBody = Type.Object({
  kind: Type.Union([Type.Literal('virtual'), Type.Literal('ltfs')]),
  root: Type.String({ minLength: 1, description: 'absolute directory on the server' }),
  generation: Type.Optional(Generation),
  drives: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  slots: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  clock: Type.Optional(Type.Union([Type.Literal('simulated'), Type.Literal('real')])),
});
export const Cartridge = Type.Object({
  barcode: Type.String(),
  library: Type.String(),
  pool: Type.String(),
  copy: Type.Integer(),
  generation: Type.String(),
  capacity: Type.Number(),
  used: Type.Number(),
  fill: Type.Number({ description: 'used ÷ capacity' }),
  tapeFiles: Type.Integer(),
  errors: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  state: Type.String(),
  inUseBy: Type.Union([Type.String(), Type.Null()]),
});
export const Drive = Type.Object({
  library: Type.String(),
  name: Type.String(),
  loaded: Type.Union([Type.String(), Type.Null()]),
  failed: Type.Union([Type.Boolean(), Type.Null()]),
  errors: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  bytesRead: Type.Number(),
  bytesWritten: Type.Number(),
});
export const Counts = Type.Object({
  queued: Type.Integer(),
  running: Type.Integer(),
  done: Type.Integer(),
  failed: Type.Integer(),
});
export const Queue = Type.Object({
  counts: Counts,
  archiveRuns: Type.Array(
    Type.Object({
      id: Type.Integer(),
      dataset: Type.String(),
      step: Type.String(),
      error: Type.Union([Type.String(), Type.Null()]),
      createdAt: Type.String(),
    }),
  ),
  recalls: Type.Array(
    Type.Object({
      id: Type.Integer(),
      datafileId: Type.Integer(),
      path: Type.String(),
      state: Type.String(),
      cartridge: Type.Union([Type.String(), Type.Null()]),
      tapeFile: Type.Union([Type.Integer(), Type.Null()]),
      attempts: Type.Integer(),
      error: Type.Union([Type.String(), Type.Null()]),
      downloadId: Type.Union([Type.String(), Type.Null()]),
      createdAt: Type.String(),
    }),
  ),
});
export const Status = Type.Object({
  libraries: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.String(),
      root: Type.String(),
      cartridges: Type.Integer(),
      pools: Type.Array(Type.String()),
    }),
  ),
  cartridges: Type.Object({
    total: Type.Integer(),
    available: Type.Integer(),
    full: Type.Integer(),
    failed: Type.Integer(),
    capacity: Type.Number(),
    used: Type.Number(),
  }),
  queue: Counts,
  activeArchiveRuns: Type.Integer(),
  throughput: Type.Object({ bytesRead: Type.Number(), bytesWritten: Type.Number() }),
  copies: Type.Object({ datafiles: Type.Integer(), archivedTwice: Type.Integer() }),
});
/** A verified tape copy of a file (also in the catalogue's datafile answers). */
export const TapeCopy = Type.Object({
  copy: Type.Integer(),
  library: Type.String(),
  pool: Type.String(),
  cartridge: Type.String(),
  tapeFile: Type.Integer(),
  offset: Type.Number({
    description: 'byte offset of the file within its container (0 for a whole tape file)',
  }),
  length: Type.Number(),
  verifiedAt: Type.String({ format: 'date-time' }),
});
export const FileArchive = Type.Object({
  id: Type.Integer(),
  path: Type.String(),
  size: Type.Number(),
  state: Type.String(),
  copies: Type.Array(TapeCopy),
});
export const Policy = Type.Object({
  enabled: Type.Boolean(),
  minAgeDays: Type.Integer({ minimum: 0 }),
  minBytes: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  release: Type.Boolean(),
  containerBytes: Type.Integer({ minimum: 1024 }),
  largeFileBytes: Type.Integer({ minimum: 1 }),
});
export const Ok = Type.Object({ ok: Type.Literal(true) });
export const errors = {
  400: Type.Ref('Error'),
  401: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
};
