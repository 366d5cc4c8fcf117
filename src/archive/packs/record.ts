import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { PackResult } from '../packing/pack.ts';
import { containerFacts } from './facts.ts';
import { type DatasetDirectory, datasetsOverlapping, registeredFiles } from './datafiles.ts';
import { type MemberPlace, memberExtents } from '../workflow/extents.ts';

/** `--session` names no session of the catalogue. */
export class SessionNotFoundError extends Error {
  constructor(readonly sessionId: string) {
    super(`no session "${sessionId}" in the catalogue`);
  }
}

/** Throws SessionNotFoundError unless the session exists. */
export async function checkSessionExists(db: Db, sessionId: string): Promise<void> {
  const row = await db.selectFrom('session').select('id').where('id', '=', sessionId).executeTakeFirst();
  if (!row) throw new SessionNotFoundError(sessionId);
}

/** What recordPack wrote. */
export interface RecordedPack {
  session: string;
  packId: number;
  outDir: string;
  containers: number;
  ownTapeFiles: number;
  /** Registered datafiles of the session located: in a container or as an own tape file. */
  datafiles: number;
  /** Containers whose sha256 this run computed (the others kept the recorded one: unchanged files). */
  checksummed: number;
  /** Packed paths of registered datafiles whose bytes differ from what was registered: not linked. */
  changed: { path: string; reason: string }[];
}

const BATCH = 500;

interface LinkedMember {
  datafileId: number;
  memberPath: string;
  place: MemberPlace;
}

/**
 * The container's members that are registered datafiles, with their places. memberExtents reads the
 * index and the blob (to locate its chunks in the file), so it runs only when a dataset of the session
 * overlaps the packed directory; one container at a time, keeping only the matched members.
 */
async function linkedMembers(
  db: Db,
  datasets: DatasetDirectory[],
  root: string,
  file: string,
  changed: RecordedPack['changed'],
): Promise<LinkedMember[]> {
  if (datasets.length === 0) return [];
  const places = await memberExtents(file);
  const registered = await registeredFiles(db, datasets, root, places.keys());
  const linked: LinkedMember[] = [];
  for (const [memberPath, file] of registered) {
    const place = places.get(memberPath)!;
    if (file.sha256 && file.sha256 !== place.sha256)
      changed.push({ path: memberPath, reason: 'sha256 differs from the registered datafile' });
    else linked.push({ datafileId: file.id, memberPath, place });
  }
  return linked;
}

/**
 * Records a finished pack of `result.session` in the catalogue, in one transaction: the pack (one per
 * output directory), its containers, its own tape files and where each registered datafile of the
 * session lies. Re-recording the same output directory keeps its pack row and replaces the rest, so a
 * re-run never duplicates anything and keeps nothing the new result no longer has.
 */
export async function recordPack(
  db: Db,
  result: PackResult,
  settings: { targetSize: number; largeFileThreshold: number },
): Promise<RecordedPack> {
  const session = result.session;
  await checkSessionExists(db, session);
  const datasets = await datasetsOverlapping(db, session, result.root);
  const facts = await containerFacts(db, result.outDir, result.containers);
  const changed: RecordedPack['changed'] = [];
  const members: LinkedMember[][] = [];
  for (const f of facts)
    members.push(await linkedMembers(db, datasets, result.root, f.container.file, changed));
  const registered = await registeredFiles(
    db,
    datasets,
    result.root,
    result.ownTapeFiles.map((f) => f.path),
  );
  const ownTape = result.ownTapeFiles.map((f) => {
    const file = registered.get(f.path);
    if (file && file.size !== f.size) {
      changed.push({ path: f.path, reason: `size ${f.size} differs from the registered ${file.size}` });
      return { ...f, datafileId: null };
    }
    return { ...f, datafileId: file?.id ?? null };
  });

  const now = new Date();
  const pack = await db.transaction().execute(async (tx) => {
    const pack = await tx
      .insertInto('session_pack')
      .values({
        session_id: session,
        out_dir: result.outDir,
        source: result.root,
        target_size: settings.targetSize,
        large_file_threshold: settings.largeFileThreshold,
        files: result.totals.files,
        bytes: result.totals.bytes,
        problems: JSON.stringify(result.problems),
      })
      .onConflict((oc) =>
        oc.column('out_dir').doUpdateSet((eb) => ({
          session_id: eb.ref('excluded.session_id'),
          source: eb.ref('excluded.source'),
          target_size: eb.ref('excluded.target_size'),
          large_file_threshold: eb.ref('excluded.large_file_threshold'),
          files: eb.ref('excluded.files'),
          bytes: eb.ref('excluded.bytes'),
          problems: eb.ref('excluded.problems'),
          generation: sql<number>`session_pack.generation + 1`,
          updated_at: now,
        })),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    // What an earlier recording of this directory had goes (its members with its containers).
    await tx.deleteFrom('session_container').where('pack_id', '=', pack.id).execute();
    await tx.deleteFrom('session_own_tape_file').where('pack_id', '=', pack.id).execute();

    for (const [i, f] of facts.entries()) {
      const c = f.container;
      const { id } = await tx
        .insertInto('session_container')
        .values({
          pack_id: pack.id,
          name: c.name,
          file: c.file,
          file_size: f.fileSize,
          file_mtime: f.fileMtime,
          members: c.members,
          files: c.files,
          packed_bytes: c.bytes,
          plan_digest: c.digest,
          sha256: f.sha256,
          created: f.created,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const rows = members[i]!;
      for (let at = 0; at < rows.length; at += BATCH) {
        await tx
          .insertInto('session_container_member')
          .values(
            rows.slice(at, at + BATCH).map((m) => ({
              container_id: id,
              datafile_id: m.datafileId,
              member_path: m.memberPath,
              blob_offset: m.place.offset,
              length: m.place.length,
              extents: m.place.extents ? JSON.stringify(m.place.extents) : null,
            })),
          )
          .execute();
      }
    }
    for (let at = 0; at < ownTape.length; at += BATCH) {
      await tx
        .insertInto('session_own_tape_file')
        .values(
          ownTape.slice(at, at + BATCH).map((f) => ({
            pack_id: pack.id,
            path: f.path,
            size: f.size,
            reason: f.reason,
            datafile_id: f.datafileId,
          })),
        )
        .execute();
    }
    return pack;
  });

  return {
    session,
    packId: pack.id,
    outDir: result.outDir,
    containers: facts.length,
    ownTapeFiles: ownTape.length,
    datafiles: members.reduce((n, m) => n + m.length, 0) + ownTape.filter((f) => f.datafileId).length,
    checksummed: facts.filter((f) => f.hashed).length,
    changed: changed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}
