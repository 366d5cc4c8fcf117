import crypto from 'node:crypto';
import path from 'node:path';
import {
  CONTAINER_EXTENSION,
  CONTAINER_VERSION,
  DEFAULT_LARGE_FILE_THRESHOLD,
  DEFAULT_TARGET_SIZE,
} from './format.ts';
import { fileIsHdf5 } from './hdf5-signature.ts';
import type { ScanProblem, ScanResult, ScannedEntry } from './scan.ts';

export interface PlanOptions {
  targetSize?: number;
  largeFileThreshold?: number;
  session?: string;
  /** Container names are `<prefix>-00001.h5`; defaults to the session or the root's basename. */
  namePrefix?: string;
  /**
   * Open every file to look for an HDF5 signature now. `pack` leaves this off and detects HDF5 while
   * reading (no extra open per file); `--plan-only` turns it on so the plan names them.
   */
  sniffHdf5?: boolean;
}

export interface PlannedContainer {
  name: string;
  members: ScannedEntry[];
  bytes: number;
  /**
   * Identifies the member list (paths, sizes, mtimes, modes) and session; stored in the container.
   * Computed when first read.
   */
  readonly digest: string;
}

/** A file that goes to tape as its own tape file instead of into a container. */
export interface OwnTapeFile {
  path: string;
  size: number;
  reason: 'large' | 'hdf5';
}

export interface PackPlan {
  root: string;
  session: string;
  targetSize: number;
  largeFileThreshold: number;
  containers: PlannedContainer[];
  ownTapeFiles: OwnTapeFile[];
  problems: ScanProblem[];
}

/**
 * Deterministic assignment: members sorted by UTF-8 byte order of their path, cut into consecutive runs
 * of at most `targetSize` bytes. The same tree always gives the same containers, which is what makes a
 * killed run resumable (finished containers are recognised by name and digest).
 */
export function planContainers(root: string, scan: ScanResult, options: PlanOptions = {}): PackPlan {
  const targetSize = options.targetSize ?? DEFAULT_TARGET_SIZE;
  const largeFileThreshold = options.largeFileThreshold ?? DEFAULT_LARGE_FILE_THRESHOLD;
  const session = options.session ?? '';
  const prefix = sanitisePrefix(options.namePrefix ?? (session || path.basename(path.resolve(root))));

  const ownTapeFiles: OwnTapeFile[] = [];
  const packable: ScannedEntry[] = [];
  for (const entry of sortByUtf8Path(scan.entries)) {
    if (entry.type === 'file' && entry.size > largeFileThreshold) {
      ownTapeFiles.push({ path: entry.path, size: entry.size, reason: 'large' });
    } else if (
      entry.type === 'file' &&
      options.sniffHdf5 &&
      fileIsHdf5(path.join(root, entry.path), entry.size)
    ) {
      ownTapeFiles.push({ path: entry.path, size: entry.size, reason: 'hdf5' });
    } else {
      packable.push(entry);
    }
  }

  const runs: ScannedEntry[][] = [];
  let current: ScannedEntry[] = [];
  let currentBytes = 0;
  for (const entry of packable) {
    if (currentBytes > 0 && currentBytes + entry.size > targetSize) {
      runs.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += entry.size;
  }
  if (current.length > 0) runs.push(current);

  const containers = runs.map((members, i) =>
    plannedContainer(`${prefix}-${String(i + 1).padStart(5, '0')}${CONTAINER_EXTENSION}`, members, session),
  );
  return { root, session, targetSize, largeFileThreshold, containers, ownTapeFiles, problems: scan.problems };
}

export function sortByUtf8Path<T extends { path: string }>(items: T[]): T[] {
  // UTF-16 code-unit order equals UTF-8 byte order unless surrogates or U+E000..U+FFFF are involved.
  if (!items.some((item) => /[\uD800-\uFFFF]/.test(item.path))) {
    return [...items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  return items
    .map((item) => ({ key: Buffer.from(item.path, 'utf8'), item }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ item }) => item);
}

/**
 * The digest is computed when first read (and kept): `pack` starts writing before it needs it
 * (~40 ms per 100k members on one core while the others would wait).
 */
function plannedContainer(name: string, members: ScannedEntry[], session: string): PlannedContainer {
  let digest: string | undefined;
  return {
    name,
    members,
    bytes: members.reduce((sum, m) => sum + m.size, 0),
    get digest() {
      digest ??= digestMembers(members, session);
      return digest;
    },
  };
}

function digestMembers(members: ScannedEntry[], session: string): string {
  // Hashed in pieces of ~64 KiB of text: no string per member kept, no join of the whole list
  // (the same bytes as one string of all lines: 100k members 0.14 -> 0.06 s).
  const hash = crypto.createHash('sha256').update(`fairbeam-container v${CONTAINER_VERSION}\0${session}\n`);
  let text = '';
  for (const m of members) {
    text += `${m.path}\0${m.type}\0${m.size}\0${m.mtime}\0${m.mode}\0${m.target}\n`;
    if (text.length >= 64 * 1024) {
      hash.update(text);
      text = '';
    }
  }
  return hash.update(text).digest('hex');
}

function sanitisePrefix(prefix: string): string {
  const clean = prefix.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '');
  return clean || 'container';
}
