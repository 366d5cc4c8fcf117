import { Type } from '@sinclair/typebox';

/** A download that waits for files to come back from tape (`202` of a content or archive request). */
export const DownloadWire = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal('restoring'), Type.Literal('ready'), Type.Literal('failed')]),
    format: Type.String(),
    files: Type.Array(Type.Integer()),
    pending: Type.Array(Type.Integer(), { description: 'files still to come back from tape' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Download' },
);
