import type { ExtractResult } from './types.ts';

/** Messages between the extractor pool and its workers (see worker.ts, pool.ts). */
export type ToWorker = { type: 'extract'; id: number; path: string };

export type FromWorker =
  /** h5wasm is loaded; the worker takes files from now on. */
  | { type: 'ready' }
  /** `exiting`: the worker leaves after this reply (its wasm state is unsafe); send it nothing more. */
  | { type: 'result'; id: number; result: ExtractResult; exiting?: boolean };
