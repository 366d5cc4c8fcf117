import { parentPort } from 'node:worker_threads';
import { BatchClient, serveBatches } from './batch-helper.ts';
import { type ContainerJob, packContainer } from './pack-container.ts';
import type { WorkerReply, WorkerRequest } from './pool.ts';

/** Worker-thread side of the pool: writes one container per job, or reads batches for another worker. */
const port = parentPort!;
port.on('message', (request: WorkerRequest) => {
  if (request.type === 'help') serveBatches(request.port);
  else void run(request.id, request.job, request.helperPort);
});

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
