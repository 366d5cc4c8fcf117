import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../src/db/connect.ts';
import { createNexusExtractor } from '../../src/ingest/nexus/index.ts';
import { ingestDirectory } from '../../src/ingest/run.ts';
import { addCartridges, saveLibrary, savePool } from '../../src/archive/workflow/libraries.ts';

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Deterministic pseudo-random bytes (xorshift), so sizes and contents vary by seed. */
export function bytesOf(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function tempDir(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/**
 * A dataset directory of `small` small files (0.5-12 KiB, in a few subdirectories, one empty) and
 * one large file of `largeBytes`; returns its path and every file's bytes by relative path.
 */
export function writeDataset(
  root: string,
  small: number,
  largeBytes: number,
  name = 'scan',
): { dir: string; files: Map<string, Buffer> } {
  const dir = path.join(root, name);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < small; i++) {
    const rel = `frames/${String(i % 4)}/frame_${String(i).padStart(5, '0')}.raw`;
    files.set(rel, i === 3 ? Buffer.alloc(0) : bytesOf(512 + ((i * 7919) % 12_000), i + 1));
  }
  files.set('large.bin', bytesOf(largeBytes, 999));
  for (const [rel, bytes] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), bytes);
  }
  return { dir, files };
}

/** Registers the directory as a dataset of session EMB (seedWorld); returns its pid. */
export async function ingest(db: Db, dir: string): Promise<string> {
  const extractor = createNexusExtractor({ workers: 1 });
  try {
    const summary = await ingestDirectory(db, {
      dataset: { sessionId: 'EMB', name: path.basename(dir) },
      directory: dir,
      actor: 'test',
      doiPrefix: '10.5072',
      extractor,
    });
    return summary.pid;
  } finally {
    await extractor.close();
  }
}

/**
 * A virtual library under `root` with pool A (copy 1) and pool B (copy 2), `perPool` cartridges of
 * `capacity` bytes each; small containers so that a test dataset makes several.
 */
export async function configureTape(
  db: Db,
  root: string,
  opts: { perPool?: number; capacity?: number; containerBytes?: number; largeFileBytes?: number } = {},
): Promise<{ poolA: string[]; poolB: string[] }> {
  await saveLibrary(db, { name: 'vtl', kind: 'virtual', root, drives: 2, slots: 40, clock: 'simulated' });
  await savePool(db, 'A', 'vtl', 1);
  await savePool(db, 'B', 'vtl', 2);
  const n = opts.perPool ?? 2;
  const poolA = Array.from({ length: n }, (_, i) => `A0000${i + 1}`);
  const poolB = Array.from({ length: n }, (_, i) => `B0000${i + 1}`);
  await addCartridges(db, 'A', poolA, { capacity: opts.capacity ?? 256 * 1024 * 1024 });
  await addCartridges(db, 'B', poolB, { capacity: opts.capacity ?? 256 * 1024 * 1024 });
  await db
    .updateTable('archive_policy')
    .set({
      container_bytes: opts.containerBytes ?? 512 * 1024,
      large_file_bytes: opts.largeFileBytes ?? 256 * 1024,
    })
    .execute();
  return { poolA, poolB };
}

/** The id of the dataset's file at relative path `rel`. */
export function datafileAt(db: Db, pid: string, rel: string): Promise<{ id: number }> {
  return db
    .selectFrom('datafile')
    .select('id')
    .where('dataset_pid', '=', pid)
    .where('path', '=', rel)
    .executeTakeFirstOrThrow();
}
