import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.ts';
import type { ExtractResult } from './types.ts';

export interface ExtractorPoolOptions {
  /** Module run by each worker; it must speak the protocol of protocol.ts. */
  workerUrl: URL;
  workers: number;
  /** Per file, from the moment a ready worker takes it; a worker over time is terminated. */
  timeoutMs: number;
  /**
   * Plain-JS modules each worker imports before installing the TypeScript loader. Large ones load
   * much faster that way: h5wasm (4 MB of JS) takes ~3 s through tsx's hooks and ~0.1 s without.
   */
  preload?: string[];
}

export interface ExtractorPool {
  run(path: string): Promise<ExtractResult>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  path: string;
  resolve(result: ExtractResult): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Announced it will exit; gets no more files and is replaced once it is gone. */
  leaving?: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

/** Workers that die before they are ready this many times in a row mean the reader cannot start. */
const MAX_FAILED_STARTS = 3;

// Workers run TypeScript sources like the rest of fairbeam, so they register tsx first. (Passing
// `--import tsx` in the worker's execArgv does not install loader hooks in Node 20 workers.)
const TSX_API = import.meta.resolve('tsx/esm/api');

function bootstrapCode(workerUrl: URL, preload: readonly string[]): string {
  const target = JSON.stringify(workerUrl.href);
  const preloads = `Promise.all(${JSON.stringify(preload)}.map((url) => import(url)))`;
  if (!workerUrl.pathname.endsWith('.ts')) return `${preloads}.then(() => import(${target}));`;
  const tsx = JSON.stringify(TSX_API);
  return `${preloads}.then(() => import(${tsx})).then(({ register }) => { register(); return import(${target}); });`;
}

/**
 * A fixed-size pool of reader workers. A worker that crashes (wasm abort, exit) or overruns the
 * timeout is terminated, its file is reported as failed with the reason, and a fresh worker takes
 * its place, so one bad file never takes the pool — or the process — down.
 */
export function createExtractorPool(options: ExtractorPoolOptions): ExtractorPool {
  const slots = new Set<Slot>();
  const queue: Job[] = [];
  let nextId = 1;
  let failedStarts = 0;
  let closed = false;

  function spawn(): void {
    const worker = new Worker(bootstrapCode(options.workerUrl, options.preload ?? []), { eval: true });
    const slot: Slot = { worker, ready: false };
    slot.worker.unref();
    slots.add(slot);
    slot.worker.on('message', (message: FromWorker) => onMessage(slot, message));
    slot.worker.on('error', (error) => retire(slot, `HDF5 reader crashed on this file: ${error.message}`));
    slot.worker.on('exit', (code) =>
      retire(slot, `HDF5 reader crashed on this file (worker exited with code ${code})`),
    );
  }

  function onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') {
      slot.ready = true;
      failedStarts = 0;
    } else if (slot.job?.id === message.id) {
      if (message.exiting) slot.leaving = true;
      finish(slot, message.result);
    }
    dispatch();
  }

  function finish(slot: Slot, result: ExtractResult): void {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    slot.worker.unref();
    job?.resolve(result);
  }

  /** Removes a dead or stuck worker, failing its file with `reason`. */
  function retire(slot: Slot, reason: string): void {
    if (!slots.delete(slot)) return;
    if (!slot.ready && !slot.leaving) failedStarts++;
    if (slot.job) finish(slot, { ok: false, reason });
    void slot.worker.terminate();
    if (failedStarts >= MAX_FAILED_STARTS) {
      for (const job of queue.splice(0))
        job.resolve({ ok: false, reason: `HDF5 reader could not start: ${reason}` });
      failedStarts = 0;
    }
    dispatch();
  }

  function dispatch(): void {
    if (closed) return;
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.leaving || slot.job) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      slot.worker.ref(); // keep the process alive while a file is being read
      slot.timer = setTimeout(
        () => retire(slot, `timed out after ${options.timeoutMs} ms; the reader was stopped`),
        options.timeoutMs,
      );
      slot.worker.postMessage({ type: 'extract', id: job.id, path: job.path } satisfies ToWorker);
    }
    const starting = [...slots].filter((slot) => !slot.ready && !slot.leaving).length;
    const wanted = Math.min(options.workers - slots.size, queue.length - starting);
    for (let i = 0; i < wanted; i++) spawn();
  }

  return {
    run(path) {
      if (closed) return Promise.resolve({ ok: false, reason: 'the extractor is closed' });
      return new Promise((resolve) => {
        queue.push({ id: nextId++, path, resolve });
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.resolve({ ok: false, reason: 'the extractor is closed' });
      const stopping = [...slots].map((slot) => {
        slots.delete(slot);
        if (slot.job) finish(slot, { ok: false, reason: 'the extractor is closed' });
        return slot.worker.terminate();
      });
      await Promise.all(stopping);
    },
  };
}
