import crypto from 'node:crypto';
import path from 'node:path';
import { type Container, openContainer } from './container-reader.ts';
import { CONTAINER_VERSION, type IndexRow } from './format.ts';
import { forEachMemberChunk } from './member-bytes.ts';

export interface VerifyReport {
  file: string;
  ok: boolean;
  members: number;
  files: number;
  bytes: number;
  problems: string[];
}

/** Opens a container and checks attributes, index and every member's sha256. Unreadable files throw ContainerError. */
export async function verifyContainer(file: string): Promise<VerifyReport> {
  const container = await openContainer(file);
  try {
    const problems = checkContainer(container);
    const fileRows = container.rows.filter((r) => r.type === 'file');
    return {
      file,
      ok: problems.length === 0,
      members: container.rows.length,
      files: fileRows.length,
      bytes: fileRows.reduce((sum, r) => sum + r.length, 0),
      problems,
    };
  } finally {
    container.close();
  }
}

/** Every way the container disagrees with the format, as messages naming the member. */
export function checkContainer(container: Container): string[] {
  const problems = checkStructure(container);
  if (problems.length > 0) return problems;
  return checkHashes(
    container,
    container.rows.filter((r) => r.type === 'file'),
  );
}

/** Hashes the given file members' bytes in /blob and names those that differ from their index sha256. */
export function checkHashes(container: Pick<Container, 'readBlob'>, rows: IndexRow[]): string[] {
  const problems: string[] = [];
  forEachMemberHash(container, rows, (row, sha256) => {
    if (sha256 !== row.sha256)
      problems.push(`${row.path}: sha256 mismatch (index ${row.sha256}, data ${sha256})`);
  });
  return problems;
}

/** Calls back with the sha256 of each member's bytes as stored in /blob. */
export function forEachMemberHash(
  container: Pick<Container, 'readBlob'>,
  rows: IndexRow[],
  onHash: (row: IndexRow, sha256: string) => void,
): void {
  let partial: crypto.Hash | undefined;
  forEachMemberChunk(container, rows, (row, chunk, last) => {
    if (!partial && last) return onHash(row, crypto.hash('sha256', chunk, 'hex'));
    partial ??= crypto.createHash('sha256');
    partial.update(chunk);
    if (last) {
      onHash(row, partial.digest('hex'));
      partial = undefined;
    }
  });
}

/** Attributes and index rows well-formed, sorted, with paths that stay inside and bytes inside /blob. */
export function checkStructure(container: Container): string[] {
  const { attributes, rows, blobBytes } = container;
  const problems: string[] = [];
  if (attributes.version !== CONTAINER_VERSION)
    problems.push(`unsupported container version ${attributes.version}`);
  if (attributes.memberCount !== rows.length) {
    problems.push(`member_count is ${attributes.memberCount} but /index has ${rows.length} rows`);
  }
  let previous: string | undefined;
  // Indexed: runs once per container, mostly unoptimised, where for-of allocates per row.
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (previous !== undefined && !utf8Before(previous, row.path))
      problems.push(`${row.path}: /index not sorted or duplicate`);
    previous = row.path;
    const pathProblem = unsafePath(row.path);
    if (pathProblem) problems.push(`${row.path}: ${pathProblem}`);
    if (row.type === 'file') {
      if (!SHA256_HEX.test(row.sha256)) problems.push(`${row.path}: malformed sha256 "${row.sha256}"`);
      if (row.offset < 0 || row.length < 0 || row.offset + row.length > blobBytes) {
        problems.push(
          `${row.path}: bytes ${row.offset}+${row.length} lie outside /blob (${blobBytes} bytes)`,
        );
      }
    } else if (row.length !== 0 || row.sha256 !== '') {
      problems.push(`${row.path}: a ${row.type} must have no bytes and no sha256`);
    }
    if (row.type === 'symlink' && row.target === '') problems.push(`${row.path}: symlink without target`);
  }
  return problems;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const ORDER_DIFFERS = /[\uD800-\uFFFF]/;

/** a < b in UTF-8 byte order; UTF-16 order agrees unless surrogates or U+E000..U+FFFF occur. */
function utf8Before(a: string, b: string): boolean {
  if (!ORDER_DIFFERS.test(a) && !ORDER_DIFFERS.test(b)) return a < b;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) < 0;
}

/** Member paths must stay inside the extraction directory. */
export function unsafePath(memberPath: string): string | null {
  if (memberPath === '' || memberPath.startsWith('/') || path.isAbsolute(memberPath))
    return 'absolute or empty path';
  if (BAD_COMPONENT.test(memberPath) || memberPath.includes('\0'))
    return 'path with empty, "." or ".." components';
  return null;
}

/** An empty, "." or ".." component (checked for every row: no split into 100k arrays of parts). */
const BAD_COMPONENT = /(?:^|\/)\.{0,2}(?:\/|$)/;
