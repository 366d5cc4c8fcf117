import { parentPort } from 'node:worker_threads';
import { BatchClient, serveBatches } from './batch-helper.ts';
import { decodeJob, encodeMembers } from './job-message.ts';
import { type ContainerJob, packContainer } from './pack-container.ts';
import type { WorkerReply, WorkerRequest } from './pool.ts';
import { type ScanResult, nodeScanFs, scanDirectories } from './scan.ts';
import { type Settleable, settleable } from './settleable.ts';

/** Worker-thread side of the pool: writes one container per job, or reads batches for another worker. */
const port = parentPort!;
/** Jobs that came without their plan digest, by id: settled when the digest message comes. */
const digests = new Map<number, Settleable<string>>();
port.on('message', (request: WorkerRequest) => {
  if (request.type === 'help') serveBatches(request.port);
  else if (request.type === 'scan') scan(request.id, request.root, request.directories);
  else if (request.type === 'digest') settleDigest(request);
  else
    void run(
      request.id,
      decodeJob(request.job, () => digestLater(request.id)),
      request.helperPort,
    );
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);

/** Awaited when the container is written: a failure before that is not unhandled (settleable). */
function digestLater(id: number): Promise<string> {
  const digest = settleable<string>();
  digests.set(id, digest);
  return digest.done;
}

function settleDigest({ id, digest, error }: Extract<WorkerRequest, { type: 'digest' }>): void {
  const waiting = digests.get(id);
  digests.delete(id);
  if (digest !== undefined) waiting?.resolve(digest);
  else waiting?.reject(new Error(`no plan digest: ${error ?? 'unknown reason'}`));
}

function scan(id: number, root: string, directories: string[]): void {
  try {
    const result: ScanResult = { entries: [], problems: [] };
    scanDirectories(root, directories, nodeScanFs, result);
    const { entries, problems } = result;
    port.postMessage({
      type: 'scanned',
      id,
      entries: encodeMembers(entries),
      problems,
    } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({
      type: 'failed',
      id,
      message: String((err as Error)?.message ?? err),
    } satisfies WorkerReply);
  }
}

async function run(id: number, job: ContainerJob, helperPort?: WorkerRequest['port']): Promise<void> {
  const reply = (message: WorkerReply) => port.postMessage(message);
  const helper = helperPort ? new BatchClient(helperPort) : undefined;
  try {
    const outcome = await packContainer(
      job,
      (progress) => reply({ type: 'progress', id, ...progress }),
      helper,
    );
    reply({ type: 'done', id, outcome });
  } catch (err) {
    reply({ type: 'failed', id, message: String((err as Error)?.message ?? err) });
  } finally {
    helper?.close();
  }
}
