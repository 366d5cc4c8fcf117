import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './durable.ts';
import type { OwnTapeFile } from './plan.ts';
import type { ScanProblem } from './scan.ts';

export const MANIFEST_NAME = 'fairbeam-pack.json';

/**
 * What a pack run intends (written before any container) and, once finished, what it produced. A re-run
 * uses it to remove containers of an earlier plan that the new plan no longer has.
 */
export interface PackManifest {
  format: 'fairbeam-pack-manifest';
  version: 1;
  state: 'packing' | 'complete';
  root: string;
  session: string;
  targetSize: number;
  largeFileThreshold: number;
  containers: { name: string; digest: string; members: number; bytes: number }[];
  ownTapeFiles: OwnTapeFile[];
  problems: ScanProblem[];
  updated: string;
}

export function readManifest(outDir: string): PackManifest | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(outDir, MANIFEST_NAME), 'utf8')) as PackManifest;
    return parsed.format === 'fairbeam-pack-manifest' && Array.isArray(parsed.containers) ? parsed : null;
  } catch {
    return null;
  }
}

export function writeManifest(outDir: string, manifest: PackManifest): void {
  writeFileAtomic(path.join(outDir, MANIFEST_NAME), JSON.stringify(manifest, null, 2) + '\n');
}
