import { afterEach, describe, expect, it } from 'vitest';
import { createExtractorPool, type ExtractorPool } from './pool.ts';
import type { ExtractResult } from './types.ts';

const FAKE_WORKER = new URL('./test-support/fake-worker.mjs', import.meta.url);
const BROKEN_WORKER = new URL('./test-support/broken-worker.mjs', import.meta.url);

let pool: ExtractorPool | undefined;
afterEach(() => pool?.close());

function entriesOf(result: ExtractResult): string[] {
  if (!result.ok) throw new Error(result.reason);
  return result.metadata.entries;
}

describe('extractor pool', () => {
  it('stops a worker stuck on one file, reports the file and goes on with the next', async () => {
    pool = createExtractorPool({ workerUrl: FAKE_WORKER, workers: 1, timeoutMs: 500 });
    const [stuck, next] = await Promise.all([pool.run('/data/hang'), pool.run('/data/good.nxs')]);
    expect(stuck).toEqual({ ok: false, reason: 'timed out after 500 ms; the reader was stopped' });
    expect(entriesOf(next)).toEqual(['/data/good.nxs']);
  });

  it('reports a file whose reader exited and replaces the worker', async () => {
    pool = createExtractorPool({ workerUrl: FAKE_WORKER, workers: 1, timeoutMs: 10_000 });
    expect(await pool.run('/data/exit')).toEqual({
      ok: false,
      reason: 'HDF5 reader crashed on this file (worker exited with code 3)',
    });
    expect(entriesOf(await pool.run('/data/after-exit.nxs'))).toEqual(['/data/after-exit.nxs']);
  });

  it('contains a wasm abort thrown outside any handler', async () => {
    pool = createExtractorPool({ workerUrl: FAKE_WORKER, workers: 1, timeoutMs: 10_000 });
    expect(await pool.run('/data/abort')).toEqual({
      ok: false,
      reason: 'HDF5 reader crashed on this file: unreachable',
    });
    expect(entriesOf(await pool.run('/data/after-abort.nxs'))).toEqual(['/data/after-abort.nxs']);
  });

  it('sends nothing to a worker that announced it is leaving after a crash', async () => {
    pool = createExtractorPool({ workerUrl: FAKE_WORKER, workers: 1, timeoutMs: 10_000 });
    const [crashed, next] = await Promise.all([pool.run('/data/trap'), pool.run('/data/next.nxs')]);
    expect(crashed).toEqual({ ok: false, reason: 'HDF5 reader crashed on this file: unreachable' });
    expect(entriesOf(next)).toEqual(['/data/next.nxs']);
  });

  it('reads other files in parallel while one worker is stuck', async () => {
    pool = createExtractorPool({ workerUrl: FAKE_WORKER, workers: 2, timeoutMs: 1000 });
    const stuck = pool.run('/data/hang');
    const others = await Promise.all(['/a.nxs', '/b.nxs', '/c.nxs'].map((path) => pool!.run(path)));
    expect(others.map(entriesOf)).toEqual([['/a.nxs'], ['/b.nxs'], ['/c.nxs']]);
    expect((await stuck).ok).toBe(false);
  });

  it('fails queued files with a reason when the reader cannot start at all', async () => {
    pool = createExtractorPool({ workerUrl: BROKEN_WORKER, workers: 1, timeoutMs: 10_000 });
    const result = await pool.run('/data/x.nxs');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(
      /^HDF5 reader could not start: .*cannot load the HDF5 library/,
    );
  });

  it('answers files asked for after close without starting workers', async () => {
    pool = createExtractorPool({ workerUrl: FAKE_WORKER, workers: 1, timeoutMs: 10_000 });
    await pool.close();
    expect(await pool.run('/data/late.nxs')).toEqual({ ok: false, reason: 'the extractor is closed' });
  });
});
