import fs from 'node:fs';
import path from 'node:path';
import { openContainer } from './container-reader.ts';
import type { WriteProgress } from './container-writer.ts';
import { fsyncDir } from './durable.ts';
import { PARTIAL_SUFFIX } from './format.ts';
import { fileIsHdf5 } from './hdf5-signature.ts';
import { settleable } from './settleable.ts';
import { MANIFEST_NAME, type PackManifest, readManifest, writeManifest } from './manifest.ts';
import type { ContainerJob, ContainerOutcome } from './pack-container.ts';
import {
  type OwnTapeFile,
  type PackPlan,
  type PlannedContainer,
  planContainers,
  sortByUtf8Path,
} from './plan.ts';
import { defaultWorkerCount, prewarmWorkers, runContainerJobs, scanInWorker } from './pool.ts';
import type { IndexSlicing } from './index-table.ts';
import {
  type ScanFs,
  type ScanProblem,
  type ScanResult,
  describeError,
  nodeScanFs,
  scanDirectories,
  scanTree,
  scanTreeShared,
} from './scan.ts';

export interface PackOptions {
  root: string;
  outDir: string;
  targetSize?: number;
  largeFileThreshold?: number;
  session?: string;
  workers?: number;
  /** Plan only: sniff every file for HDF5 and report, write nothing. */
  planOnly?: boolean;
  /** Before each rename, also read all of /blob back and compare checksums (see packContainer). */
  verifyBlob?: boolean;
  onProgress?: (progress: PackProgress) => void;
  scanFs?: ScanFs;
  /** Internal: rows and string bytes per h5wasm call when writing /index (tests make it small). */
  indexSlicing?: IndexSlicing;
}

export interface PackProgress {
  files: number;
  bytes: number;
  totalFiles: number;
  totalBytes: number;
}

export interface PackedContainer {
  name: string;
  file: string;
  digest: string;
  members: number;
  files: number;
  bytes: number;
  /** `written` by this run, `existing` (complete from an earlier, interrupted run) or only `planned`. */
  status: 'written' | 'existing' | 'planned';
}

/** What a pack run produced; the catalogue records this (session, containers, own tape files). */
export interface PackResult {
  root: string;
  outDir: string;
  session: string;
  containers: PackedContainer[];
  ownTapeFiles: OwnTapeFile[];
  problems: ScanProblem[];
  totals: { files: number; bytes: number; ownTapeFiles: number; ownTapeBytes: number };
}

/** Bad arguments (missing directory, output inside the input): the CLI reports these as usage errors. */
export class PackUsageError extends Error {}

/** A container could not be written; the other containers were finished and the run can be repeated. */
export class PackError extends Error {}

/** Packs a directory tree into containers; safe to re-run after a crash (see docs in planContainers). */
export async function packTree(options: PackOptions): Promise<PackResult> {
  const root = path.resolve(options.root);
  const outDir = path.resolve(options.outDir);
  if (!fs.existsSync(root)) throw new PackUsageError(`${options.root}: no such directory`);
  if (!fs.statSync(root).isDirectory()) throw new PackUsageError(`${options.root}: not a directory`);
  if (outDir === root || outDir.startsWith(root + path.sep)) {
    throw new PackUsageError(
      `--out ${options.outDir} must not be inside the packed directory ${options.root}`,
    );
  }
  const workers = options.workers ?? defaultWorkerCount();
  if (!options.planOnly) prewarmWorkers(workers);
  const plan = planContainers(root, await scan(root, options.scanFs), {
    targetSize: options.targetSize,
    largeFileThreshold: options.largeFileThreshold,
    session: options.session,
    sniffHdf5: options.planOnly,
  });
  if (options.planOnly)
    return resultOf(
      plan,
      outDir,
      plan.containers.map((c) => planned(c, outDir)),
      [],
    );

  fs.mkdirSync(outDir, { recursive: true });
  removeLeftovers(outDir, plan);

  const created = new Date().toISOString();
  const existing: ContainerOutcome[] = [];
  const jobs: ContainerJob[] = [];
  // The workers start writing at once; the plan's digests (which the manifest lists) are computed
  // meanwhile, and a container gets its digest, needed for its last write and so before its rename,
  // only once the manifest is durable: a container under its final name is always in the manifest.
  const manifest = settleable<void>();
  for (const container of plan.containers) {
    const done = await finishedOutcome(container, plan, outDir);
    if (done) {
      existing.push(done);
      continue;
    }
    const planDigest = manifest.done.then(() => container.digest);
    planDigest.catch(() => {}); // without a manifest the job fails, and says why
    jobs.push({
      name: container.name,
      members: container.members,
      root,
      outDir,
      session: plan.session,
      created,
      planDigest,
      indexSlicing: options.indexSlicing,
      verifyBlob: options.verifyBlob,
    });
  }

  const progress = trackProgress(plan, existing, options.onProgress);
  const running = runContainerJobs(jobs, workers, progress);
  try {
    writeManifest(outDir, manifestOf(plan, 'packing', plan.ownTapeFiles, plan.problems));
    manifest.resolve();
  } catch (err) {
    manifest.reject(err as Error);
    await running.catch(() => {}); // the jobs fail without a digest; wait for the workers to stop
    throw err;
  }
  const pool = await running;
  if (pool.failures.length > 0) {
    throw new PackError(pool.failures.map((f) => `${f.name}: ${f.message}`).join('\n'));
  }
  const containers = [
    ...existing.map((o) => packed(o, plan, 'existing')),
    ...pool.outcomes.map((o) => packed(o, plan, 'written')),
  ].sort((a, b) => (a.name < b.name ? -1 : 1));
  const outcomes = [...existing, ...pool.outcomes];
  const result = resultOf(plan, outDir, containers, outcomes);
  writeManifest(outDir, manifestOf(plan, 'complete', result.ownTapeFiles, result.problems));
  return result;
}

/**
 * The tree's entries. With the real file system and a loaded idle worker, the worker scans half of
 * the root's subdirectories meanwhile (the scan is on the critical path: nothing is written before
 * the plan); otherwise this thread scans everything.
 */
function scan(root: string, scanFs: ScanFs | undefined): ScanResult | Promise<ScanResult> {
  if (scanFs) return scanTree(root, scanFs);
  return scanTreeShared(root, (directories) => {
    const elsewhere = scanInWorker(root, directories);
    if (elsewhere) return elsewhere;
    const result: ScanResult = { entries: [], problems: [] };
    scanDirectories(root, directories, nodeScanFs, result);
    return Promise.resolve(result);
  });
}

function resultOf(
  plan: PackPlan,
  outDir: string,
  containers: PackedContainer[],
  outcomes: ContainerOutcome[],
) {
  const ownTapeFiles = sortByUtf8Path([
    ...plan.ownTapeFiles,
    ...outcomes.flatMap((o) => o.hdf5Files.map((f) => ({ ...f, reason: 'hdf5' as const }))),
  ]);
  const problems = sortByUtf8Path([...plan.problems, ...outcomes.flatMap((o) => o.problems)]);
  const result: PackResult = {
    root: plan.root,
    outDir,
    session: plan.session,
    containers,
    ownTapeFiles,
    problems,
    totals: {
      files: containers.reduce((sum, c) => sum + c.files, 0),
      bytes: containers.reduce((sum, c) => sum + c.bytes, 0),
      ownTapeFiles: ownTapeFiles.length,
      ownTapeBytes: ownTapeFiles.reduce((sum, f) => sum + f.size, 0),
    },
  };
  return result;
}

function planned(container: PlannedContainer, outDir: string): PackedContainer {
  return {
    name: container.name,
    file: path.join(outDir, container.name),
    digest: container.digest,
    members: container.members.length,
    files: container.members.filter((m) => m.type === 'file').length,
    bytes: container.bytes,
    status: 'planned',
  };
}

function packed(outcome: ContainerOutcome, plan: PackPlan, status: 'written' | 'existing'): PackedContainer {
  const digest = plan.containers.find((c) => c.name === outcome.name)?.digest ?? '';
  const { name, file, members, files, bytes } = outcome;
  return { name, file, digest, members, files, bytes, status };
}

/** Removes what a killed run may have left: partial containers, temp manifests, containers of an old plan. */
function removeLeftovers(outDir: string, plan: PackPlan): void {
  const plannedNames = new Set(plan.containers.map((c) => c.name));
  const previous = readManifest(outDir);
  const stale = new Set(
    (previous?.containers ?? []).map((c) => c.name).filter((name) => !plannedNames.has(name)),
  );
  let removed = false;
  for (const entry of fs.readdirSync(outDir)) {
    if (entry.endsWith(PARTIAL_SUFFIX) || entry.startsWith(`${MANIFEST_NAME}.tmp-`) || stale.has(entry)) {
      fs.rmSync(path.join(outDir, entry), { force: true });
      removed = true;
    }
  }
  if (removed) fsyncDir(outDir);
}

/** A container under its final name was verified before the rename; it is finished if it has our digest. */
async function finishedOutcome(
  container: PlannedContainer,
  plan: PackPlan,
  outDir: string,
): Promise<ContainerOutcome | null> {
  const file = path.join(outDir, container.name);
  if (!fs.existsSync(file)) return null;
  let opened;
  try {
    opened = await openContainer(file);
  } catch {
    return null; // not ours or unreadable: it is rewritten (atomically replaced by the rename)
  }
  try {
    if (opened.attributes.planDigest !== container.digest) return null;
    const indexed = new Set(opened.rows.map((r) => r.path));
    const outcome: ContainerOutcome = {
      name: container.name,
      file,
      members: opened.rows.length,
      files: opened.rows.filter((r) => r.type === 'file').length,
      bytes: opened.blobBytes,
      hdf5Files: [],
      problems: [],
    };
    // Members planned but absent were HDF5 files or unreadable when the container was written.
    for (const member of container.members) {
      if (indexed.has(member.path)) continue;
      const full = path.join(plan.root, member.path);
      if (fileIsHdf5(full, member.size)) outcome.hdf5Files.push({ path: member.path, size: member.size });
      else outcome.problems.push({ path: member.path, reason: unreadableReason(full) });
    }
    return outcome;
  } finally {
    opened.close();
  }
}

function unreadableReason(file: string): string {
  try {
    fs.closeSync(fs.openSync(file, 'r'));
    return 'could not be read when packed';
  } catch (err) {
    return describeError(err);
  }
}

function manifestOf(
  plan: PackPlan,
  state: PackManifest['state'],
  ownTapeFiles: OwnTapeFile[],
  problems: ScanProblem[],
): PackManifest {
  return {
    format: 'fairbeam-pack-manifest',
    version: 1,
    state,
    root: plan.root,
    session: plan.session,
    targetSize: plan.targetSize,
    largeFileThreshold: plan.largeFileThreshold,
    containers: plan.containers.map((c) => ({
      name: c.name,
      digest: c.digest,
      members: c.members.length,
      bytes: c.bytes,
    })),
    ownTapeFiles,
    problems,
    updated: new Date().toISOString(),
  };
}

function trackProgress(
  plan: PackPlan,
  existing: ContainerOutcome[],
  onProgress: PackOptions['onProgress'],
): (name: string, progress: WriteProgress) => void {
  const totalFiles = plan.containers.reduce(
    (s, c) => s + c.members.filter((m) => m.type === 'file').length,
    0,
  );
  const totalBytes = plan.containers.reduce((s, c) => s + c.bytes, 0);
  const base = {
    files: existing.reduce((s, o) => s + o.files, 0),
    bytes: existing.reduce((s, o) => s + o.bytes, 0),
  };
  const perContainer = new Map<string, WriteProgress>();
  onProgress?.({ ...base, totalFiles, totalBytes });
  return (name, progress) => {
    perContainer.set(name, progress);
    let { files, bytes } = base;
    for (const p of perContainer.values()) {
      files += p.files;
      bytes += p.bytes;
    }
    onProgress?.({ files, bytes, totalFiles, totalBytes });
  };
}
