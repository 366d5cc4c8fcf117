import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createExtractorPool } from './pool.ts';
import { addSIValues } from './si-values.ts';
import type { ExtractResult } from './types.ts';

export interface NexusExtractorOptions {
  /** Worker threads reading files in parallel; default: the number of CPUs, at most 4. */
  workers?: number;
  /** Longest time one file may take before its worker is stopped and the file reported; default 30 s. */
  timeoutMs?: number;
}

export interface NexusExtractor {
  /** Never rejects: a file that cannot be read gives `{ ok: false, reason }`. */
  extract(path: string): Promise<ExtractResult>;
  /** Stops the workers; files still waiting are reported as not read. */
  close(): Promise<void>;
}

export function createNexusExtractor(options: NexusExtractorOptions = {}): NexusExtractor {
  const pool = createExtractorPool({
    workerUrl: new URL('./worker.ts', import.meta.url),
    workers: Math.max(1, options.workers ?? Math.min(4, availableParallelism())),
    timeoutMs: options.timeoutMs ?? 30_000,
    preload: [import.meta.resolve('h5wasm/node')],
  });
  return {
    // Absolute paths: the answer must not depend on the worker's idea of the working directory.
    extract: async (path) => addSIValues(await pool.run(resolve(path))),
    close: () => pool.close(),
  };
}

let shared: NexusExtractor | undefined;

/**
 * Extracts NeXus metadata with a process-wide extractor, started on first use. Its idle workers do
 * not keep the process alive, so one-shot callers need not close it.
 */
export function extractNexusMetadata(path: string): Promise<ExtractResult> {
  shared ??= createNexusExtractor();
  return shared.extract(path);
}
