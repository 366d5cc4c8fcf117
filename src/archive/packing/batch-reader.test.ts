import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BatchClient, batchClaims, serveBatches } from './batch-helper.ts';
import { BATCHED_FILE_LIMIT, BATCH_BYTES, readBatch, segmentMembers } from './batch-reader.ts';
import { checksum, loadChecksum } from './blob-check.ts';
import { openContainer } from './container-reader.ts';
import { extractContainer } from './extract.ts';
import { HDF5_SIGNATURE } from './hdf5-signature.ts';
import { headStart } from './container-writer.ts';
import { packContainer } from './pack-container.ts';
import { packTree } from './pack.ts';
import { planContainers } from './plan.ts';
import { scanTree } from './scan.ts';
import { bytes, expectSameTree, jobFor, snapshotTree, useTempDirs, writeTree } from './testing/trees.ts';
import { verifyContainer } from './verify.ts';

const tempDir = useTempDirs();
const file = (path: string, size: number) => ({ path, size, type: 'file' });

/** 650 small files (BATCH_BYTES / 130 each): five batches of small files. */
function fiveBatches(): Record<string, Buffer> {
  const spec: Record<string, Buffer> = {};
  const size = Math.ceil(BATCH_BYTES / 130);
  for (let i = 0; i < 650; i++) spec[`f${String(i).padStart(3, '0')}`] = bytes(size, i + 1);
  return spec;
}

/** The container verifies, holds `files` files and extracts to exactly the tree at `root`. */
async function expectPackedTree(container: string, root: string, files: number): Promise<void> {
  expect(await verifyContainer(container)).toMatchObject({ ok: true, files });
  const to = tempDir('restore');
  await extractContainer(container, { to });
  expectSameTree(snapshotTree(to), snapshotTree(root));
}

describe('batches of small files', () => {
  it('cuts batches at about BATCH_BYTES and streams large files on their own', () => {
    const sixteenth = Array.from({ length: 16 }, (_, i) => file(`s${i}`, BATCH_BYTES / 16));
    const members = [...sixteenth, file('c', 10), file('big', BATCHED_FILE_LIMIT), file('d', 1)];
    expect(segmentMembers(members)).toEqual([
      { kind: 'batch', seq: 0, first: 0, end: 16 },
      { kind: 'batch', seq: 1, first: 16, end: 17 },
      { kind: 'large', index: 17 },
      { kind: 'batch', seq: 2, first: 18, end: 19 },
    ]);
  });

  it('reads files back to back, with offsets relative to the batch and per-file problems', () => {
    const root = writeTree(tempDir(), { a: 'aaa', b: '', c: 'cc' });
    const batch = readBatch(root, [
      file('a', 3),
      { path: 'dir', size: 0, type: 'dir' },
      file('b', 0),
      file('gone', 4),
      file('c', 2),
    ]);
    expect(Buffer.from(batch.bytes).toString()).toBe('aaacc');
    expect(
      batch.outcomes.map((o) => (o?.kind === 'packed' ? [o.offset, o.length] : (o?.kind ?? null))),
    ).toEqual([[0, 3], null, [3, 0], 'problem', [3, 2]]);
  });

  it('serves batches and verification through a message port, recycling batch buffers', async () => {
    const root = writeTree(tempDir(), { a: 'aaa', c: 'cc' });
    const { port1, port2 } = new MessageChannel();
    serveBatches(port2);
    const client = new BatchClient(port1);
    try {
      const claims = batchClaims(10);
      client.request(7, root, [file('a', 3), file('c', 2)], claims);
      const batch = await client.take(7);
      expect(Buffer.from(batch.bytes).toString()).toBe('aaacc');
      expect(batch.outcomes[1]).toMatchObject({ kind: 'packed', offset: 3, length: 2 });
      expect(batch.xxh128).toBe(checksum(await loadChecksum(), Buffer.from('aaacc')));
      // Asked without its checksum (batches of large files: the writer takes it when appending).
      client.request(4, root, [file('c', 2)], claims, false);
      const unsummed = await client.take(4);
      expect(Buffer.from(unsummed.bytes).toString()).toBe('cc');
      expect(unsummed.xxh128).toBeUndefined();
      client.recycle(batch);
      expect(batch.bytes.byteLength).toBe(0); // transferred back to the helper

      // Members without bytes, missing files and a file that shrank since the scan cross as well.
      client.request(5, root, [{ path: 'd', size: 0, type: 'dir' }, file('gone', 4), file('a', 5)], claims);
      const mixed = await client.take(5);
      expect(mixed.outcomes[0]).toBeNull();
      expect(mixed.outcomes[1]).toMatchObject({ kind: 'problem', reason: expect.stringMatching(/ENOENT/) });
      expect(mixed.outcomes[2]).toEqual({
        kind: 'packed',
        offset: 0,
        length: 3,
        sha256: crypto.hash('sha256', 'aaa', 'hex'),
        mtime: fs.statSync(path.join(root, 'a')).mtimeMs / 1000,
      });

      client.request(8, root, [file('c', 2)], claims);
      expect(Buffer.from((await client.take(8)).bytes).toString()).toBe('cc');
      // A batch the writer claimed first is skipped by the helper; one the helper read cannot be claimed.
      expect(client.claim(8, claims)).toBe(false);
      expect(client.claim(9, claims)).toBe(true);
      client.request(9, root, [file('a', 3)], claims);
      client.request(6, root, [file('a', 3)], claims);
      expect(Buffer.from((await client.take(6)).bytes).toString()).toBe('aaa');
      expect(Array.from(claims.subarray(5, 10))).toEqual([2, 2, 2, 2, 1]);
      await expect(client.verify(path.join(root, 'a'), [])).rejects.toThrow(/not an HDF5 file|no such|HDF5/);
    } finally {
      client.close();
      port2.close();
    }
  });

  it('packs a tree of several batches with the helper thread byte for byte', async () => {
    // 37 files of BATCH_BYTES / 14 (not small: over 64 KiB): three batches, the helper reads two.
    const spec: Record<string, Buffer> = {};
    const size = Math.ceil(BATCH_BYTES / 14);
    for (let i = 0; i < 37; i++) spec[`f${String(i).padStart(2, '0')}`] = bytes(size + i, i + 1);
    // HDF5 files met by the helper go to tape on their own, as when the writer reads them.
    spec.f20 = Buffer.concat([HDF5_SIGNATURE, bytes(4096, 99)]);
    const root = writeTree(tempDir('src'), spec);
    expect(segmentMembers(Object.keys(spec).map((p) => file(p, spec[p]!.length))).length).toBe(3);

    const out = tempDir('out');
    // With the read-back of /blob: the helper's xxh128 of its batches are checked too.
    const result = await packTree({ root, outDir: out, workers: 2, verifyBlob: true });
    expect(result.ownTapeFiles).toEqual([{ path: 'f20', size: 4104, reason: 'hdf5' }]);
    const [container] = result.containers;
    expect(await verifyContainer(container!.file)).toMatchObject({ ok: true, files: 36 });

    const opened = await openContainer(container!.file);
    try {
      // Members lie back to back in path order, whichever thread read them.
      let offset = 0;
      for (const row of opened.rows) {
        expect(row.offset).toBe(offset);
        offset += row.length;
        const want = crypto.hash('sha256', fs.readFileSync(path.join(root, row.path)), 'hex');
        expect(row.sha256).toBe(want);
      }
    } finally {
      opened.close();
    }
    const to = tempDir('restore');
    await extractContainer(container!.file, { to });
    fs.rmSync(path.join(root, 'f20'));
    expectSameTree(snapshotTree(to), snapshotTree(root));
  });

  it('has the helper read the first batches before the writer has the job (the head start)', async () => {
    const root = writeTree(tempDir('src'), fiveBatches());
    const [planned] = planContainers(root, scanTree(root)).containers;
    const { port1, port2 } = new MessageChannel();
    serveBatches(port2);
    const job = jobFor(planned!, root, tempDir('out'));
    const early = headStart(port1, job);
    expect(early.asked).toBe(4);
    // Its replies wait on the writer's port until the writer listens: the helper read all four.
    const claims = early.claims;
    for (let i = 0; i < 200 && [0, 1, 2, 3].some((seq) => Atomics.load(claims, seq) === 0); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect([0, 1, 2, 3, 4].map((seq) => Atomics.load(claims, seq))).toEqual([2, 2, 2, 2, 0]);
    const helper = new BatchClient(port1);
    try {
      const wrong = { ...job, headStart: { asked: 1, claims: batchClaims(2) } };
      await expect(packContainer(wrong, undefined, helper)).rejects.toThrow(
        /internal: 2 claims for 5 batches/,
      );
      const outcome = await packContainer({ ...job, headStart: early }, undefined, helper);
      await expectPackedTree(outcome.file, root, 650);
    } finally {
      helper.close();
      port2.close();
    }
  });

  it('lets the writer read later batches while the helper is busy with the one it waits for', async () => {
    // 650 small files: five batches. The helper answers batch 0 only after 300 ms, and sees the
    // requests for batches 1-4 only then: a writer that reads later batches while it waits has
    // claimed all four by that time, so the helper skips them.
    const root = writeTree(tempDir('src'), fiveBatches());
    const [planned] = planContainers(root, scanTree(root)).containers;
    expect(segmentMembers(planned!.members).length).toBe(5);

    const toWriter = new MessageChannel();
    const toHelper = new MessageChannel();
    serveBatches(toHelper.port2);
    const held: unknown[] = [];
    const repliesToHeld: string[] = [];
    let releasing: Promise<void> | undefined;
    const forward = (port: MessagePort, message: any) =>
      port.postMessage(
        message,
        message?.type === 'batch'
          ? [message.batch.bytes.buffer]
          : message?.type === 'recycle'
            ? [message.buffer]
            : [],
      );
    toWriter.port2.on('message', (request: any) => {
      if (request.type === 'read' && request.seq > 0) return void held.push(request);
      // Batch 0 was marked as started in the writer's claims (below): the helper reads it on claims
      // of its own.
      if (request.type === 'read') request.claims = batchClaims(1);
      forward(toHelper.port1, request);
    });
    toHelper.port1.on('message', (reply: any) => {
      if (
        reply.type === 'skipped' ||
        (reply.type === 'batch' && reply.seq > 0 && repliesToHeld.length < held.length)
      )
        repliesToHeld.push(reply.type);
      if (reply.seq !== 0 || reply.type !== 'batch') return forward(toWriter.port2, reply);
      releasing = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const request of held) forward(toHelper.port1, request);
        while (repliesToHeld.length < held.length) await new Promise((resolve) => setTimeout(resolve, 5));
        forward(toWriter.port2, reply);
      })();
    });
    // A helper that starts batch 0 the moment it is asked (a real one needs a moment, and the writer
    // would claim it first).
    class StartsAtOnce extends BatchClient {
      override request(...args: Parameters<BatchClient['request']>): void {
        if (args[0] === 0) Atomics.store(args[3], 0, 2);
        super.request(...args);
      }
    }
    const helper = new StartsAtOnce(toWriter.port1);
    try {
      const outDir = tempDir('out');
      const job = jobFor(planned!, root, outDir);
      const outcome = await packContainer(job, undefined, helper);
      await releasing;
      expect(held.map((r: any) => r.seq)).toEqual([1, 2, 3, 4]);
      expect(repliesToHeld).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
      await expectPackedTree(outcome.file, root, 650);
    } finally {
      helper.close();
      toHelper.port2.close();
      toWriter.port2.close();
    }
  });
});
