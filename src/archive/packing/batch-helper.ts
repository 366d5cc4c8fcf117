import type { MessagePort } from 'node:worker_threads';
import { type BatchMember, type ReadBatch, readBatch } from './batch-reader.ts';
import { type BlobCheck, checkBlobRanges, checksum, loadChecksum } from './blob-check.ts';
import { openContainer } from './container-reader.ts';

type HelperRequest =
  | { type: 'read'; seq: number; root: string; members: (BatchMember & { type: string })[] }
  | { type: 'verify'; seq: number; file: string; checks: BlobCheck[] }
  | { type: 'recycle'; buffer: ArrayBuffer };
type HelperReply =
  | { type: 'batch'; seq: number; batch: ReadBatch }
  | { type: 'verified'; seq: number; problems: string[] }
  | { type: 'failed'; seq: number; message: string };

/**
 * A second thread working for a container writer, so two cores share one container's work: it reads
 * (sha256 per member, xxh128 per batch) the batches of small files, and checks part of /blob when the
 * container is verified. A tree that fits one container would otherwise use a single core.
 */
export function serveBatches(port: MessagePort): void {
  // Buffers of batches the writer has copied, given back: fresh 9 MiB buffers cost page faults and GC.
  const spares: ArrayBuffer[] = [];
  port.on('message', (request: HelperRequest) => {
    if (request.type === 'recycle') return void (spares.length < 8 && spares.push(request.buffer));
    void serve(request, spares).then((reply) =>
      port.postMessage(reply, reply.type === 'batch' ? [reply.batch.bytes.buffer as ArrayBuffer] : []),
    );
  });
}

async function serve(
  request: Exclude<HelperRequest, { type: 'recycle' }>,
  spares: ArrayBuffer[],
): Promise<HelperReply> {
  const { seq } = request;
  try {
    const hasher = await loadChecksum();
    if (request.type === 'read') {
      const batch = readBatch(request.root, request.members, spares.pop());
      batch.xxh128 = checksum(hasher, batch.bytes);
      return { type: 'batch', seq, batch };
    }
    const container = await openContainer(request.file, { index: false });
    try {
      return { type: 'verified', seq, problems: checkBlobRanges(hasher, container, request.checks) };
    } finally {
      container.close();
    }
  } catch (err) {
    return { type: 'failed', seq, message: String((err as Error)?.message ?? err) };
  }
}

/** The writer's side: ask for work ahead of need, take the results by sequence number. */
export class BatchClient {
  private readonly arrived = new Map<number, HelperReply>();
  private readonly waiting = new Map<
    number,
    { resolve: (reply: HelperReply) => void; reject: (e: Error) => void }
  >();
  /** Verify requests are numbered below zero, so they never meet a batch's sequence number. */
  private nextVerify = -1;
  private closed = false;

  constructor(private readonly port: MessagePort) {
    port.on('message', (reply: HelperReply) => {
      const waiter = this.waiting.get(reply.seq);
      if (waiter) {
        this.waiting.delete(reply.seq);
        waiter.resolve(reply);
      } else {
        this.arrived.set(reply.seq, reply);
      }
    });
    port.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiting.values())
        waiter.reject(new Error('the helper thread of the container writer stopped'));
      this.waiting.clear();
    });
  }

  request(seq: number, root: string, members: (BatchMember & { type: string })[]): void {
    this.port.postMessage({ type: 'read', seq, root, members } satisfies HelperRequest);
  }

  async take(seq: number): Promise<ReadBatch> {
    const reply = await this.reply(seq);
    if (reply.type !== 'batch')
      throw new Error(`the helper thread could not read a batch: ${describe(reply)}`);
    return reply.batch;
  }

  /** Gives a batch's buffer back to the helper once its bytes are copied (the batch is unusable after). */
  recycle(batch: ReadBatch): void {
    const buffer = batch.bytes.buffer as ArrayBuffer;
    this.port.postMessage({ type: 'recycle', buffer } satisfies HelperRequest, [buffer]);
  }

  /** Has the helper check ranges of /blob of a closed container file; resolves to the mismatches. */
  async verify(file: string, checks: BlobCheck[]): Promise<string[]> {
    const seq = this.nextVerify--;
    this.port.postMessage({ type: 'verify', seq, file, checks } satisfies HelperRequest);
    const reply = await this.reply(seq);
    if (reply.type !== 'verified')
      throw new Error(`verification in the helper thread failed: ${describe(reply)}`);
    return reply.problems;
  }

  close(): void {
    this.port.close();
  }

  private reply(seq: number): Promise<HelperReply> {
    const ready = this.arrived.get(seq);
    if (ready) {
      this.arrived.delete(seq);
      return Promise.resolve(ready);
    }
    if (this.closed) return Promise.reject(new Error('the helper thread of the container writer stopped'));
    return new Promise((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
  }
}

function describe(reply: HelperReply): string {
  return reply.type === 'failed' ? reply.message : `unexpected ${reply.type} reply`;
}
