import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WriteProgress } from './container-writer.ts';
import type { ContainerJob, ContainerOutcome } from './pack-container.ts';

export interface WorkerRequest {
  id: number;
  job: ContainerJob;
}

export type WorkerReply =
  | ({ type: 'progress'; id: number } & WriteProgress)
  | { type: 'done'; id: number; outcome: ContainerOutcome }
  | { type: 'failed'; id: number; message: string };

export interface PoolResult {
  outcomes: ContainerOutcome[];
  failures: { name: string; message: string }[];
}

/** Default pool size: one worker per core, at most 4 (each holds a 16 MiB slice plus h5wasm's heap). */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/**
 * Writes containers in a small pool of worker threads, one container per worker at a time, so the
 * synchronous HDF5 work never blocks the caller's event loop.
 */
export async function runContainerJobs(
  jobs: ContainerJob[],
  concurrency: number,
  onProgress: (name: string, progress: WriteProgress) => void = () => {},
): Promise<PoolResult> {
  const result: PoolResult = { outcomes: [], failures: [] };
  let next = 0;
  const runWorker = async (): Promise<void> => {
    const worker = acquireWorker();
    let healthy = true;
    try {
      while (next < jobs.length) {
        const id = next++;
        const job = jobs[id]!;
        const reply = await runOne(worker, id, job, (progress) => onProgress(job.name, progress)).catch(
          (err) => {
            healthy = false;
            throw err;
          },
        );
        if (reply.type === 'done') result.outcomes.push(reply.outcome);
        else result.failures.push({ name: job.name, message: reply.message });
      }
    } finally {
      releaseWorker(worker, healthy);
    }
  };
  const size = Math.max(1, Math.min(concurrency, jobs.length));
  await Promise.all(Array.from({ length: jobs.length === 0 ? 0 : size }, runWorker));
  result.outcomes.sort((a, b) => (a.name < b.name ? -1 : 1));
  return result;
}

/** Starts workers ahead of need (while the caller scans the tree), so their boot overlaps the scan. */
export function prewarmWorkers(count: number): void {
  const started: Worker[] = [];
  while (idle.length + started.length < Math.min(count, defaultWorkerCount())) started.push(acquireWorker());
  for (const worker of started) releaseWorker(worker, true);
}

/**
 * Idle workers kept for the next run: starting one costs ~0.4 s (tsx loader, h5wasm compile), which a
 * long-lived worker process or a test run would otherwise pay per pack. Idle workers are unref'd, so
 * they never keep the process alive.
 */
const idle: Worker[] = [];

function acquireWorker(): Worker {
  let worker = idle.pop();
  if (!worker) {
    const started = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
      workerData: { entry: new URL('./worker.ts', import.meta.url).href },
    });
    started.once('exit', () => idle.includes(started) && idle.splice(idle.indexOf(started), 1));
    worker = started;
  }
  worker.ref();
  return worker;
}

function releaseWorker(worker: Worker, healthy: boolean): void {
  if (healthy && idle.length < defaultWorkerCount()) {
    worker.unref();
    idle.push(worker);
  } else {
    void worker.terminate();
  }
}

function runOne(
  worker: Worker,
  id: number,
  job: ContainerJob,
  onProgress: (progress: WriteProgress) => void,
): Promise<Extract<WorkerReply, { type: 'done' | 'failed' }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (reply.id !== id) return;
      if (reply.type === 'progress') return onProgress(reply);
      cleanup();
      resolve(reply);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`packing worker exited with code ${code} while writing ${job.name}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ id, job } satisfies WorkerRequest);
  });
}
