import fs from 'node:fs';
import type { Db } from '../../db/connect.ts';
import { openContainer } from '../packing/container-reader.ts';
import type { PackedContainer } from '../packing/pack.ts';
import { sha256File } from '../../ingest/hash.ts';

/** What the catalogue records of one container file. */
export interface ContainerFacts {
  container: PackedContainer;
  fileSize: number;
  fileMtime: Date;
  /** sha256 of the whole file. */
  sha256: string;
  /** Whether this run read the file to get it (false: kept from the record of an unchanged file). */
  hashed: boolean;
  /** The container's `created` root attribute. */
  created: Date;
}

/**
 * Reads what the record needs from each container. The file's sha256 costs one read of the file, so
 * a container whose size, mtime and plan digest equal its recorded row (a re-run that kept it) keeps
 * the recorded sha256.
 */
export async function containerFacts(
  db: Db,
  outDir: string,
  containers: PackedContainer[],
): Promise<ContainerFacts[]> {
  const recorded = new Map(
    (
      await db
        .selectFrom('session_container')
        .innerJoin('session_pack', 'session_pack.id', 'session_container.pack_id')
        .select([
          'session_container.name',
          'session_container.file',
          'session_container.file_size',
          'session_container.file_mtime',
          'session_container.plan_digest',
          'session_container.sha256',
        ])
        .where('session_pack.out_dir', '=', outDir)
        .execute()
    ).map((r) => [r.name, r]),
  );
  const facts: ContainerFacts[] = [];
  for (const container of containers) {
    const stat = fs.statSync(container.file);
    const fileMtime = new Date(stat.mtimeMs);
    const before = recorded.get(container.name);
    const unchanged =
      before !== undefined &&
      before.file === container.file &&
      Number(before.file_size) === stat.size &&
      new Date(before.file_mtime).getTime() === fileMtime.getTime() &&
      before.plan_digest === container.digest;
    const sha256 = unchanged ? before.sha256 : (await sha256File(container.file)).sha256;
    const opened = await openContainer(container.file, { index: false });
    let created: Date;
    try {
      created = new Date(opened.attributes.created);
    } finally {
      opened.close();
    }
    if (Number.isNaN(created.getTime())) created = fileMtime;
    facts.push({
      container,
      fileSize: stat.size,
      fileMtime,
      sha256,
      hashed: !unchanged,
      created,
    });
  }
  return facts;
}
