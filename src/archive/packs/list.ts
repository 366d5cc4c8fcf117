import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { notFound } from '../../errors.ts';
import type { SessionContainers } from './wire.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

/** A session's recorded packs (newest first) with their containers and own tape files. */
export async function sessionContainers(db: Db, sessionId: string): Promise<SessionContainers> {
  const session = await db.selectFrom('session').select('id').where('id', '=', sessionId).executeTakeFirst();
  if (!session) throw notFound('session', sessionId);
  const packs = await db
    .selectFrom('session_pack')
    .selectAll()
    .where('session_id', '=', sessionId)
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const ids = packs.map((p) => p.id);
  const containers = ids.length
    ? await db
        .selectFrom('session_container as c')
        .select([
          'c.pack_id',
          'c.name',
          'c.file',
          'c.file_size',
          'c.sha256',
          'c.members',
          'c.files',
          'c.packed_bytes',
          'c.created',
          sql<number>`(SELECT count(*) FROM session_container_member m WHERE m.container_id = c.id)`.as(
            'datafiles',
          ),
        ])
        .where('c.pack_id', 'in', ids)
        .orderBy('c.name')
        .execute()
    : [];
  const ownTape = ids.length
    ? await db
        .selectFrom('session_own_tape_file')
        .select(['pack_id', 'path', 'size', 'reason', 'datafile_id'])
        .where('pack_id', 'in', ids)
        .orderBy('path')
        .execute()
    : [];
  return {
    session: sessionId,
    packs: packs.map((p) => ({
      id: p.id,
      outDir: p.out_dir,
      source: p.source,
      targetSize: Number(p.target_size),
      largeFileThreshold: Number(p.large_file_threshold),
      files: Number(p.files),
      bytes: Number(p.bytes),
      problems: p.problems,
      recordedAt: iso(p.updated_at),
      containers: containers
        .filter((c) => c.pack_id === p.id)
        .map((c) => ({
          name: c.name,
          file: c.file,
          fileSize: Number(c.file_size),
          sha256: c.sha256,
          members: c.members,
          files: c.files,
          packedBytes: Number(c.packed_bytes),
          created: iso(c.created),
          datafiles: Number(c.datafiles),
        })),
      ownTapeFiles: ownTape
        .filter((f) => f.pack_id === p.id)
        .map((f) => ({
          path: f.path,
          size: Number(f.size),
          reason: f.reason,
          datafileId: f.datafile_id === null ? null : Number(f.datafile_id),
        })),
    })),
  };
}
