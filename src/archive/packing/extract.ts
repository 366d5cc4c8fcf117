import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Container, ContainerError, openContainer } from './container-reader.ts';
import type { IndexRow } from './format.ts';
import { forEachMemberChunk } from './member-bytes.ts';
import { unsafePath } from './verify.ts';

export interface ExtractOptions {
  /** Directory to restore into (created if missing). */
  to: string;
  /** Member paths to restore; a directory selects everything below it. Empty: all members. */
  paths?: string[];
}

export interface ExtractResult {
  members: number;
  files: number;
  bytes: number;
}

/** A requested path is not in the container. */
export class MemberNotFoundError extends Error {}

/**
 * Restores members with their mode, mtime and symlink targets. Only the selected members' byte ranges
 * of /blob are read, and every file's sha256 is checked against the index as it is written.
 */
export async function extractContainer(file: string, options: ExtractOptions): Promise<ExtractResult> {
  const container = await openContainer(file);
  try {
    const rows = selectRows(container, options.paths ?? []);
    checkPaths(container.file, rows);
    const to = path.resolve(options.to);
    fs.mkdirSync(to, { recursive: true });
    const dirs = rows.filter((r) => r.type === 'dir');
    const files = rows.filter((r) => r.type === 'file');
    const untouched = parentTimes(to, rows);
    for (const dir of dirs) fs.mkdirSync(path.join(to, dir.path), { recursive: true });
    writeFiles(container, to, files);
    for (const link of rows.filter((r) => r.type === 'symlink')) writeSymlink(to, link);
    // Parents restored from another container (a directory's members can span several) keep their mtime.
    for (const [dir, mtime] of untouched) fs.utimesSync(dir, mtime, mtime);
    // Directory modes and mtimes last and deepest first: writing inside would change them again.
    for (const dir of [...dirs].reverse()) {
      const full = path.join(to, dir.path);
      fs.chmodSync(full, dir.mode);
      fs.utimesSync(full, dir.mtime, dir.mtime);
    }
    return { members: rows.length, files: files.length, bytes: files.reduce((s, r) => s + r.length, 0) };
  } finally {
    container.close();
  }
}

/** mtimes of existing directories this extraction writes into without restoring them itself. */
function parentTimes(to: string, rows: IndexRow[]): Map<string, number> {
  const own = new Set(rows.filter((r) => r.type === 'dir').map((r) => r.path));
  const times = new Map<string, number>();
  for (const row of rows) {
    for (
      let dir = path.posix.dirname(row.path);
      dir !== '.' && !own.has(dir);
      dir = path.posix.dirname(dir)
    ) {
      const full = path.join(to, dir);
      if (times.has(full)) break;
      const st = fs.statSync(full, { throwIfNoEntry: false });
      if (!st?.isDirectory()) continue;
      times.set(full, st.mtimeMs / 1000);
    }
  }
  return times;
}

export function selectRows(container: Container, paths: string[]): IndexRow[] {
  if (paths.length === 0) return container.rows;
  const wanted = paths.map((p) => p.replace(/^\.\/+/, '').replace(/\/+$/, ''));
  const selected = container.rows.filter((row) =>
    wanted.some((p) => p === '' || row.path === p || row.path.startsWith(p + '/')),
  );
  for (const p of wanted) {
    if (p !== '' && !selected.some((row) => row.path === p || row.path.startsWith(p + '/'))) {
      throw new MemberNotFoundError(`${p}: no such member in ${container.file}`);
    }
  }
  return selected;
}

/** Refuses members that would land outside the target or be written through a symlink member. */
function checkPaths(file: string, rows: IndexRow[]): void {
  const symlinks = new Set(rows.filter((r) => r.type === 'symlink').map((r) => r.path));
  for (const row of rows) {
    const problem = unsafePath(row.path);
    if (problem) throw new ContainerError(`${file}: refusing member "${row.path}": ${problem}`);
    const parts = row.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (symlinks.has(parts.slice(0, i).join('/'))) {
        throw new ContainerError(`${file}: refusing member "${row.path}": it lies below a symlink member`);
      }
    }
  }
}

function writeFiles(container: Container, to: string, files: IndexRow[]): void {
  let fd: number | undefined;
  let hash: crypto.Hash | undefined;
  forEachMemberChunk(container, files, (row, chunk, last) => {
    const full = path.join(to, row.path);
    if (fd === undefined) {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      removeIfSymlink(full);
      fd = fs.openSync(full, 'w', 0o600);
      hash = crypto.createHash('sha256');
    }
    fs.writeSync(fd, chunk);
    hash!.update(chunk);
    if (!last) return;
    fs.closeSync(fd);
    fd = undefined;
    const sha256 = hash!.digest('hex');
    if (sha256 !== row.sha256) {
      throw new ContainerError(
        `${container.file}: corrupt container, ${row.path} has sha256 ${sha256}, index says ${row.sha256}`,
      );
    }
    fs.chmodSync(full, row.mode);
    fs.utimesSync(full, row.mtime, row.mtime);
  });
}

function writeSymlink(to: string, row: IndexRow): void {
  const full = path.join(to, row.path);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.rmSync(full, { force: true });
  fs.symlinkSync(row.target, full);
  fs.lutimesSync(full, row.mtime, row.mtime);
}

/** Never write through a symlink already present in the target directory. */
function removeIfSymlink(full: string): void {
  try {
    if (fs.lstatSync(full).isSymbolicLink()) fs.unlinkSync(full);
  } catch {
    // absent: nothing to remove
  }
}
