import os from 'node:os';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { type WriteProgress, headStart } from './container-writer.ts';
import { type JobMessage, type MemberColumns, decodeMembers, encodeJob } from './job-message.ts';
import type { ContainerJob, ContainerOutcome } from './pack-container.ts';
import type { ScanProblem, ScanResult } from './scan.ts';

export type WorkerRequest =
  | { type: 'job'; id: number; job: JobMessage; helperPort?: MessagePort; port?: undefined }
  /** The plan digest of job `id`, sent without one (or why there is none: the job then fails). */
  | { type: 'digest'; id: number; digest?: string; error?: string; port?: undefined }
  | { type: 'help'; port: MessagePort }
  | { type: 'scan'; id: number; root: string; directories: string[]; port?: undefined };

export type WorkerReply =
  | ({ type: 'progress'; id: number } & WriteProgress)
  | { type: 'done'; id: number; outcome: ContainerOutcome }
  | { type: 'failed'; id: number; message: string }
  | { type: 'scanned'; id: number; entries: MemberColumns; problems: ScanProblem[] }
  /** Sent once by a worker when its modules are loaded. */
  | { type: 'ready'; id?: undefined };

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
 * synchronous HDF5 work never blocks the caller's event loop. A job's plan digest may be a promise:
 * it is then sent when it resolves, and the container waits for it before its last write.
 */
export async function runContainerJobs(
  jobs: ContainerJob[],
  concurrency: number,
  onProgress: (name: string, progress: WriteProgress) => void = () => {},
): Promise<PoolResult> {
  const result: PoolResult = { outcomes: [], failures: [] };
  if (jobs.length === 0) return result;
  let next = 0;
  const writers = Math.max(1, Math.min(concurrency, jobs.length));
  // Workers the containers leave idle read files for a writer instead (one helper per writer at most).
  const helpers = Array.from(
    { length: Math.max(0, Math.min(concurrency - writers, writers)) },
    acquireWorker,
  );
  const runWorker = async (_: unknown, slot: number): Promise<void> => {
    const worker = acquireWorker();
    const helper = helpers[slot];
    let healthy = true;
    try {
      while (next < jobs.length) {
        const id = next++;
        const job = jobs[id]!;
        const progress = (p: WriteProgress) => onProgress(job.name, p);
        const reply = await runOne(worker, id, job, helper, progress).catch((err) => {
          healthy = false;
          next = jobs.length; // the other writers finish the containers they have, and start none
          throw err;
        });
        if (reply.type === 'done') result.outcomes.push(reply.outcome);
        else result.failures.push({ name: job.name, message: reply.message });
      }
    } finally {
      releaseWorker(worker, healthy);
    }
  };
  // Settled, not Promise.all: a helper goes back to the idle workers only once no writer uses it.
  const settled = await Promise.allSettled(Array.from({ length: writers }, runWorker));
  for (const helper of helpers) releaseWorker(helper, true);
  const crashed = settled.find((s) => s.status === 'rejected');
  if (crashed) throw crashed.reason;
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
/** Workers that have loaded their modules (sent `ready`): they answer at once. */
const ready = new WeakSet<Worker>();

/**
 * Scans `directories` (relative to `root`, and everything below them) in an idle worker that is
 * already loaded, so the caller can scan the rest meanwhile; null when there is none (a worker still
 * starting would answer later than the caller could scan the directories itself).
 */
export function scanInWorker(root: string, directories: string[]): Promise<ScanResult> | null {
  const at = idle.findIndex((w) => ready.has(w));
  if (at === -1) return null;
  const worker = idle.splice(at, 1)[0]!;
  worker.ref();
  const id = -1;
  return new Promise<ScanResult>((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (reply.id !== id || (reply.type !== 'scanned' && reply.type !== 'failed')) return;
      cleanup();
      releaseWorker(worker, true);
      if (reply.type === 'scanned')
        resolve({ entries: decodeMembers(reply.entries), problems: reply.problems });
      else reject(new Error(`scanning in a worker failed: ${reply.message}`));
    };
    const onExit = (code: number) => {
      cleanup();
      releaseWorker(worker, false);
      reject(new Error(`packing worker exited with code ${code} while scanning`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    worker.postMessage({ type: 'scan', id, root, directories } satisfies WorkerRequest);
  });
}

function acquireWorker(): Worker {
  let worker = idle.pop();
  if (!worker) {
    const started = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
      workerData: { entry: new URL('./worker.ts', import.meta.url).href },
    });
    started.once('exit', () => idle.includes(started) && idle.splice(idle.indexOf(started), 1));
    started.once('message', (reply: WorkerReply) => reply.type === 'ready' && ready.add(started));
    worker = started;
  }
  worker.ref();
  return worker;
}

function releaseWorker(worker: Worker, healthy: boolean): void {
  // threadId is -1 once the thread has stopped (a helper that died is never reused).
  if (healthy && worker.threadId !== -1 && idle.length < defaultWorkerCount()) {
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
  helper: Worker | undefined,
  onProgress: (progress: WriteProgress) => void,
): Promise<Extract<WorkerReply, { type: 'done' | 'failed' }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (reply.id !== id) return;
      if (reply.type === 'progress') return onProgress(reply);
      if (reply.type !== 'done' && reply.type !== 'failed') return;
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
    if (helper) {
      const { port1, port2 } = new MessageChannel();
      helper.postMessage({ type: 'help', port: port2 } satisfies WorkerRequest, [port2]);
      // The helper starts on the first batches now; the writer takes their replies on port1.
      const message = encodeJob({ ...job, headStart: headStart(port1, job) });
      worker.postMessage({ type: 'job', id, job: message, helperPort: port1 } satisfies WorkerRequest, [
        port1,
      ]);
    } else {
      worker.postMessage({ type: 'job', id, job: encodeJob(job) } satisfies WorkerRequest);
    }
    if (typeof job.planDigest !== 'string') {
      // The worker starts writing before the digest is known; it needs it only at the end.
      const post = (request: WorkerRequest) => worker.postMessage(request);
      job.planDigest.then(
        (digest) => post({ type: 'digest', id, digest }),
        (err) => post({ type: 'digest', id, error: String((err as Error)?.message ?? err) }),
      );
    }
  });
}
