import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import type { ContainerJob } from '../pack-container.ts';
import type { PlannedContainer } from '../plan.ts';

/** A temporary directory removed after the current test. */
export function useTempDirs(): (label?: string) => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return (label = 'pack') => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fairbeam-${label}-`));
    made.push(dir);
    return dir;
  };
}

export type TreeSpec = Record<string, string | Buffer | { symlink: string } | { dir: true }>;

/** Builds files, empty directories and symlinks under `root` from a path → content map. */
export function writeTree(root: string, spec: TreeSpec): string {
  for (const [rel, content] of Object.entries(spec)) {
    const full = path.join(root, rel);
    if (typeof content === 'object' && 'dir' in content) {
      fs.mkdirSync(full, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (typeof content === 'object' && 'symlink' in content) fs.symlinkSync(content.symlink, full);
    else fs.writeFileSync(full, content);
  }
  return root;
}

/** Deterministic pseudo-random bytes (xorshift32), so tests stay reproducible without fixtures. */
export function bytes(size: number, seed = 1): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, size);
}

export interface TreeItem {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtimeMs: number;
  sha256: string;
  target: string;
}

/** Everything a round trip must preserve, sorted by path. */
export function snapshotTree(root: string): TreeItem[] {
  const items: TreeItem[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel))) {
      const childRel = rel ? `${rel}/${name}` : name;
      const full = path.join(root, childRel);
      const st = fs.lstatSync(full);
      const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
      items.push({
        path: childRel,
        type,
        mode: type === 'symlink' ? 0 : st.mode & 0o7777,
        mtimeMs: st.mtimeMs,
        sha256: type === 'file' ? crypto.hash('sha256', fs.readFileSync(full), 'hex') : '',
        target: type === 'symlink' ? fs.readlinkSync(full) : '',
      });
      if (type === 'dir') walk(childRel);
    }
  };
  walk('');
  return items.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/**
 * Expects two snapshots to match: everything exactly, mtimes to within 10 µs. A container keeps
 * mtime as float64 seconds, and Node passes times through doubles, so a restored mtime differs
 * from the original's nanoseconds by a few microseconds; rounding both to milliseconds would
 * still flip now and then at a .5 ms boundary.
 */
export function expectSameTree(actual: TreeItem[], expected: TreeItem[]): void {
  const withoutTime = (items: TreeItem[]) => items.map(({ mtimeMs: _, ...rest }) => rest);
  expect(withoutTime(actual)).toEqual(withoutTime(expected));
  const off = actual
    .map((item, i) => ({ path: item.path, diffMs: Math.abs(item.mtimeMs - expected[i]!.mtimeMs) }))
    .filter((d) => !(d.diffMs < 0.01));
  expect(off).toEqual([]);
}

/** Writes a small real HDF5 (NeXus-like) file with h5wasm, so tests need no fixture files. */
export async function writeHdf5File(file: string): Promise<void> {
  const { loadH5wasm } = await import('../../../hdf5/h5wasm.ts');
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'w');
  try {
    const entry = f.create_group('entry');
    entry.create_attribute('NX_class', 'NXentry');
    entry.create_dataset({ name: 'data', data: new Float64Array([1, 2, 3]) });
  } finally {
    f.close();
  }
}

/** The job that packs one planned container of `root` into `outDir`, as pack.ts would hand it out. */
export function jobFor(planned: PlannedContainer, root: string, outDir: string): ContainerJob {
  return {
    ...planned,
    root,
    outDir,
    session: '',
    created: new Date().toISOString(),
    planDigest: planned.digest,
  };
}
