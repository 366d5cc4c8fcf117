import type { MemberType } from './format.ts';
import type { ContainerJob } from './pack-container.ts';
import type { ScannedEntry } from './scan.ts';

/**
 * A ContainerJob as it crosses to a worker thread (and a worker's half of the scan coming back): the
 * member list as columns (paths and symlink
 * targets each one string joined by NUL, which no file name or link target holds; numbers in typed
 * arrays). Structured clone of 100k member objects costs ~0.15 s of CPU between the two threads
 * (and as much again in GC); this costs a join, a split and 100k plain objects built in the worker.
 */
export interface JobMessage extends Omit<ContainerJob, 'members' | 'planDigest'> {
  members: MemberColumns;
  /** Absent when the digest follows in a message of its own (see runContainerJobs). */
  planDigest?: string;
}

export interface MemberColumns {
  paths: string;
  targets: string;
  types: Uint8Array;
  sizes: Float64Array;
  mtimes: Float64Array;
  modes: Uint32Array;
}

const TYPES: MemberType[] = ['file', 'dir', 'symlink'];

export function encodeJob(job: ContainerJob): JobMessage {
  const { planDigest, ...rest } = job;
  return {
    ...rest,
    members: encodeMembers(job.members),
    planDigest: typeof planDigest === 'string' ? planDigest : undefined,
  };
}

/** The job; `later` is its digest when the message came without one. */
export function decodeJob(message: JobMessage, later: () => Promise<string>): ContainerJob {
  return { ...message, members: decodeMembers(message.members), planDigest: message.planDigest ?? later() };
}

export function encodeMembers(members: ScannedEntry[]): MemberColumns {
  const n = members.length;
  const columns: MemberColumns = {
    paths: joinNul(members.map((m) => m.path)),
    targets: joinNul(members.map((m) => m.target)),
    types: new Uint8Array(n),
    sizes: new Float64Array(n),
    mtimes: new Float64Array(n),
    modes: new Uint32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const m = members[i]!;
    columns.types[i] = TYPES.indexOf(m.type);
    columns.sizes[i] = m.size;
    columns.mtimes[i] = m.mtime;
    columns.modes[i] = m.mode;
  }
  return columns;
}

/** Strings joined by NUL, which no file name or link target holds (paths, targets between threads). */
export const joinNul = (strings: string[]): string => strings.join('\0');

/** The `n` strings of a joinNul() string. */
export function splitNul(joined: string, n: number, what: string): string[] {
  if (n === 0) return [];
  const strings = joined.split('\0');
  if (strings.length !== n) throw new Error(`internal: a list of ${n} ${what} holds ${strings.length}`);
  return strings;
}

export function decodeMembers(columns: MemberColumns): ScannedEntry[] {
  const n = columns.types.length;
  if (n === 0) return [];
  const paths = splitNul(columns.paths, n, 'paths');
  const targets = splitNul(columns.targets, n, 'symlink targets');
  const members = new Array<ScannedEntry>(n);
  for (let i = 0; i < n; i++) {
    members[i] = {
      path: paths[i]!,
      type: TYPES[columns.types[i]!]!,
      size: columns.sizes[i]!,
      mtime: columns.mtimes[i]!,
      mode: columns.modes[i]!,
      target: targets[i]!,
    };
  }
  return members;
}
