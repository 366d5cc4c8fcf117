import { parentPort } from 'node:worker_threads';
import { type ContainerJob, packContainer } from './pack-container.ts';
import type { WorkerReply, WorkerRequest } from './pool.ts';

/** Worker-thread side of the pool: writes one container per request, reporting progress. */
const port = parentPort!;
port.on('message', (request: WorkerRequest) => {
  void run(request.id, request.job);
});

async function run(id: number, job: ContainerJob): Promise<void> {
  const reply = (message: WorkerReply) => port.postMessage(message);
  try {
    const outcome = await packContainer(job, (progress) => reply({ type: 'progress', id, ...progress }));
    reply({ type: 'done', id, outcome });
  } catch (err) {
    reply({ type: 'failed', id, message: String((err as Error)?.message ?? err) });
  }
}
