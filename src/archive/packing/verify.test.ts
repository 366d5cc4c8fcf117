import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BatchClient } from './batch-helper.ts';
import { ContainerError, openContainer } from './container-reader.ts';
import { type ContainerJob, packContainer } from './pack-container.ts';
import { packTree } from './pack.ts';
import { planContainers } from './plan.ts';
import { scanTree } from './scan.ts';
import { bytes, jobFor, useTempDirs, writeHdf5File, writeTree } from './testing/trees.ts';
import { checkStructure, unsafePath, verifyContainer } from './verify.ts';
import { STRING_COLUMNS, expectedColumns } from './index-compare.ts';

const tempDir = useTempDirs();

async function packedContainer(): Promise<string> {
  const root = writeTree(tempDir('src'), {
    'a.bin': bytes(5000, 1),
    'b.bin': bytes(7000, 2),
    'd/': { dir: true },
  });
  const [container] = (await packTree({ root, outDir: tempDir('out') })).containers;
  return container!.file;
}

describe('unsafePath', () => {
  it('refuses absolute paths and empty, "." or ".." components, and accepts dotted names', () => {
    for (const bad of [
      '',
      '/etc/passwd',
      'a//b',
      'a/',
      './a',
      'a/.',
      'a/./b',
      '../a',
      'a/..',
      'a/../b',
      '..',
      'a\0b',
    ])
      expect(unsafePath(bad), bad).not.toBeNull();
    for (const good of ['a', '.hidden', 'a/.b', '..a/b...', 'a/b/c', '…/ünïcode', 'a.b/..c'])
      expect(unsafePath(good), good).toBeNull();
  });
});

describe('checkStructure', () => {
  it('names file rows whose sha256 is not 64 lowercase hex digits', () => {
    const good = 'f'.repeat(32) + '0123456789abcdef'.repeat(2);
    const shas = [
      good,
      good.toUpperCase(),
      good.slice(1),
      `${good}0`,
      good.replace('a', 'g'),
      good.replace('0', '/'),
    ];
    const rows = shas.map((sha256, i) => ({
      path: `f${i}`,
      type: 'file' as const,
      offset: i,
      length: 1,
      mtime: 0,
      mode: 0o644,
      sha256,
      target: '',
    }));
    const container = {
      attributes: { version: 1, memberCount: rows.length },
      rows,
      blobBytes: rows.length,
    } as unknown as Parameters<typeof checkStructure>[0];
    expect(checkStructure(container)).toEqual(
      shas.slice(1).map((sha, i) => `f${i + 1}: malformed sha256 "${sha}"`),
    );
  });
});

describe('verifyContainer', () => {
  it('accepts a container as written', async () => {
    const report = await verifyContainer(await packedContainer());
    expect(report).toMatchObject({ ok: true, members: 3, files: 2, bytes: 12_000, problems: [] });
  });

  it('names the member whose bytes were damaged', async () => {
    const file = await packedContainer();
    const opened = await openContainer(file);
    const b = opened.rows.find((r) => r.path === 'b.bin')!;
    const firstBytes = Buffer.from(opened.readBlob(b.offset, 16));
    opened.close();
    // Find the member's bytes in the file itself and flip one, as a failing disk or tape would.
    const raw = fs.readFileSync(file);
    const at = raw.indexOf(firstBytes);
    raw[at + 3] = raw[at + 3]! ^ 0xff;
    fs.writeFileSync(file, raw);
    const report = await verifyContainer(file);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.stringMatching(/^b\.bin: sha256 mismatch/)]);
  });

  it('reports a truncated container by name', async () => {
    const file = await packedContainer();
    fs.truncateSync(file, 3000);
    await expect(verifyContainer(file)).rejects.toThrow(ContainerError);
    await expect(verifyContainer(file)).rejects.toThrow(`${file}: corrupt container`);
  });

  it('tells files that are not containers apart', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not hdf5 at all');
    await expect(verifyContainer(path.join(dir, 'notes.txt'))).rejects.toThrow(
      /notes.txt: not a fairbeam container \(not an HDF5 file\)/,
    );
    await writeHdf5File(path.join(dir, 'scan.nxs'));
    await expect(verifyContainer(path.join(dir, 'scan.nxs'))).rejects.toThrow(
      /scan.nxs: not a fairbeam container \(no format=/,
    );
    await expect(verifyContainer(path.join(dir, 'missing.h5'))).rejects.toThrow(/missing.h5: no such file/);
  });
});

/** The job of the one container planned for a tree of `content`, into an empty output directory. */
function plannedJob(content: Record<string, Buffer>) {
  const root = writeTree(tempDir('src'), content);
  const outDir = tempDir('out');
  const [planned] = planContainers(root, scanTree(root)).containers;
  return { job: jobFor(planned!, root, outDir), outDir, planned: planned! };
}

/** Flips one byte of member `name` inside the .partial's /blob, as a torn or misdirected write would. */
function damageMember(content: Record<string, Buffer>, name: string) {
  return (partial: string) => {
    const raw = fs.readFileSync(partial);
    const at = raw.indexOf(content[name]!.subarray(1000, 1032));
    expect(at).toBeGreaterThan(0);
    raw[at + 5] = raw[at + 5]! ^ 0x01;
    fs.writeFileSync(partial, raw);
  };
}

describe('the verification before the rename', () => {
  const content = { 'a.bin': bytes(5000, 1), 'b.bin': bytes(300_000, 2), 'c.bin': bytes(7000, 3) };

  it('with verifyBlob, rejects a .partial whose bytes were damaged after the fsync, and never renames it', async () => {
    const { job, outDir, planned } = plannedJob(content);
    const withBlob = { ...job, verifyBlob: true };
    await expect(
      packContainer(withBlob, undefined, undefined, damageMember(content, 'b.bin')),
    ).rejects.toThrow(
      /verification after writing failed: \/blob bytes \d+\+\d+ differ from what was written/,
    );
    expect(fs.existsSync(path.join(outDir, planned.name))).toBe(false);

    // Undamaged, the same job passes and renames.
    await packContainer(withBlob);
    expect((await verifyContainer(path.join(outDir, planned.name))).ok).toBe(true);
  });

  it('without verifyBlob, checks the members at both ends of /blob; archive verify finds the rest', async () => {
    for (const name of ['a.bin', 'c.bin']) {
      const { job, outDir, planned } = plannedJob(content);
      await expect(packContainer(job, undefined, undefined, damageMember(content, name))).rejects.toThrow(
        new RegExp(`verification after writing failed: ${name.replace('.', '\\.')}: sha256 mismatch`),
      );
      expect(fs.existsSync(path.join(outDir, planned.name))).toBe(false);
    }
    // A byte flipped in the middle of /blob is left to `archive verify` (and to the tape workflow,
    // which packs with verifyBlob): the pack itself compares only the index and both ends.
    const { job, outDir, planned } = plannedJob(content);
    const outcome = await packContainer(job, undefined, undefined, damageMember(content, 'b.bin'));
    expect(outcome.file).toBe(path.join(outDir, planned.name));
    const report = await verifyContainer(outcome.file);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.stringMatching(/^b\.bin: sha256 mismatch/)]);
  });

  it('rejects a .partial whose index was damaged after the fsync', async () => {
    const content = { 'a.bin': bytes(5000, 1), 'b.bin': bytes(7000, 2) };
    const { job, outDir, planned } = plannedJob(content);
    const sha = crypto.hash('sha256', content['b.bin'], 'hex');
    const damage = (partial: string) => {
      // One hex digit of b.bin's sha256 in /index/sha256, as a misdirected write would change it.
      const raw = fs.readFileSync(partial);
      const at = raw.indexOf(Buffer.from(sha, 'ascii'));
      expect(at).toBeGreaterThan(0);
      raw[at + 10] = raw[at + 10] === 0x30 ? 0x31 : 0x30;
      fs.writeFileSync(partial, raw);
    };
    await expect(packContainer(job, undefined, undefined, damage)).rejects.toThrow(
      /verification after writing failed: b\.bin: index row 1 differs from what was written/,
    );
    expect(fs.existsSync(path.join(outDir, planned.name))).toBe(false);
  });

  it('with a helper thread sharing the read-back, finds damage at both ends of /blob and never renames', async () => {
    // ~20 MiB of 700 KiB files: several batches, so /blob has several checked ranges to share.
    const content: Record<string, Buffer> = {};
    for (let i = 0; i < 30; i++) content[`f${String(i).padStart(2, '0')}`] = bytes(700 * 1024 + i, i + 1);
    const { job: plain, outDir, planned } = plannedJob(content);
    const job = { ...plain, verifyBlob: true };
    const damage = (partial: string) => {
      const raw = fs.readFileSync(partial);
      for (const name of ['f00', 'f29']) {
        const at = raw.indexOf(content[name]!.subarray(2000, 2032));
        expect(at).toBeGreaterThan(0);
        raw[at + 7] = raw[at + 7]! ^ 0x10;
      }
      fs.writeFileSync(partial, raw);
    };
    await withHelperThread(async (run) => {
      const failure = await run(job, damage).catch((err: Error) => err.message);
      expect(failure).toMatch(/verification after writing failed/);
      const ranges = [...String(failure).matchAll(/\/blob bytes (\d+)\+(\d+) differ/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
      ]);
      // One range at the start of /blob and one at its end, whichever of the two threads read them back.
      expect(ranges).toHaveLength(2);
      expect(Math.min(...ranges.map(([offset]) => offset!))).toBe(0);
      const blobBytes = Object.values(content).reduce((sum, b) => sum + b.length, 0);
      expect(Math.max(...ranges.map(([offset, length]) => offset! + length!))).toBe(blobBytes);
      expect(fs.existsSync(path.join(outDir, planned.name))).toBe(false);

      await run(job);
      expect((await verifyContainer(path.join(outDir, planned.name))).ok).toBe(true);
    });
  });

  it('with a helper thread comparing the paths, refuses an index whose path was damaged after the fsync', async () => {
    const content: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++)
      content[`member-with-a-distinct-name-${i + 10}.bin`] = bytes(3000 + i, i + 1);
    const { job, outDir, planned } = plannedJob(content);
    const damage = (partial: string) => {
      // One letter of a path in /index/path (HDF5 keeps variable-length strings in its global heap).
      const raw = fs.readFileSync(partial);
      const at = raw.indexOf(Buffer.from('member-with-a-distinct-name-17.bin'));
      expect(at).toBeGreaterThan(0);
      raw[at] = 'n'.charCodeAt(0);
      fs.writeFileSync(partial, raw);
    };
    await withHelperThread(async (run) => {
      await expect(run(job, damage)).rejects.toThrow(
        /verification after writing failed: member-with-a-distinct-name-17\.bin: index row 7 differs from what was written/,
      );
      expect(fs.existsSync(path.join(outDir, planned.name))).toBe(false);
      await run(job);
      expect((await verifyContainer(path.join(outDir, planned.name))).ok).toBe(true);
    });
  });

  it('with a helper thread, finds damaged paths in the first and the last slice of a long index', async () => {
    // More rows than two threads take in one slice each, so the slices of /index/path are shared.
    const content: Record<string, Buffer> = {};
    for (let i = 0; i < 9000; i++) content[`m-${String(i).padStart(5, '0')}`] = Buffer.alloc(0);
    const { job, outDir, planned } = plannedJob(content);
    const damage = (partial: string) => {
      const raw = fs.readFileSync(partial);
      for (const name of ['m-00007', 'm-08990']) {
        const at = raw.indexOf(Buffer.from(`${name}\0`));
        expect(at).toBeGreaterThan(0);
        raw[at] = 'n'.charCodeAt(0);
      }
      fs.writeFileSync(partial, raw);
    };
    await withHelperThread(async (run) => {
      const failure = String(await run(job, damage).catch((err: Error) => err.message));
      expect(failure).toMatch(/m-00007: index row 7 differs from what was written/);
      expect(failure).toMatch(/m-08990: index row 8990 differs from what was written/);
      expect(fs.existsSync(path.join(outDir, planned.name))).toBe(false);
      await run(job);
      expect((await verifyContainer(path.join(outDir, planned.name))).ok).toBe(true);
    });
  });

  it('waits for a plan digest given as a promise, and renames nothing when none comes', async () => {
    const { job, outDir, planned } = plannedJob(content);
    const refused = packContainer({ ...job, planDigest: Promise.reject(new Error('no manifest')) });
    await expect(refused).rejects.toThrow(/no manifest/);
    expect(fs.readdirSync(outDir).filter((name) => name.startsWith(planned.name))).toEqual([
      `${planned.name}.partial`,
    ]);

    const later = new Promise<string>((resolve) => setTimeout(() => resolve(planned.digest), 50));
    const outcome = await packContainer({ ...job, planDigest: later });
    const opened = await openContainer(outcome.file);
    expect(opened.attributes.planDigest).toBe(planned.digest);
    opened.close();
  });
});

describe('comparing /index with what was written', () => {
  it('shares the slices of a comparison through a cursor: each slice is compared by one taker', async () => {
    const root = writeTree(tempDir('src'), { 'a.bin': bytes(10, 1), 'b.bin': bytes(20, 2) });
    const { containers } = await packTree({ root, outDir: tempDir('out') });
    const container = await openContainer(containers[0]!.file);
    try {
      const wrong = container.rows.map((row) => ({ ...row, path: `x${row.path}`, target: 'x' }));
      const columns = () => expectedColumns(wrong, STRING_COLUMNS);
      // Alone, a comparison finds every differing row.
      expect(container.compareColumns(2, columns()).differing.sort()).toEqual([0, 1]);
      // Sharing a cursor: the first taker compares both slices (path, then target), the second none.
      const cursor = new Int32Array(new SharedArrayBuffer(4));
      expect(container.compareColumns(2, columns(), cursor).differing.sort()).toEqual([0, 1]);
      expect(container.compareColumns(2, columns(), cursor)).toEqual({ problems: [], differing: [] });
      // The other taker had the path slice: this one compares only the targets.
      const shared = new Int32Array(new SharedArrayBuffer(4));
      shared[0] = 1;
      const paths = expectedColumns(
        container.rows.map((row) => ({ ...row, path: `x${row.path}` })),
        STRING_COLUMNS,
      );
      expect(container.compareColumns(2, paths, shared)).toEqual({ problems: [], differing: [] });
      // A missing column is named by whoever takes one of its slices.
      const missing = new Map([['nosuch' as 'path', columns().get('path')!]]);
      expect(container.compareColumns(2, missing, new Int32Array(new SharedArrayBuffer(4))).problems).toEqual(
        ['no /index/nosuch dataset'],
      );
    } finally {
      container.close();
    }
  });
});

/** Runs `use` with a real helper thread: `run` packs a job with it (see packContainer). */
async function withHelperThread(
  use: (
    run: (job: ContainerJob, beforeVerify?: (partial: string) => void) => Promise<unknown>,
  ) => Promise<void>,
): Promise<void> {
  const worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
    workerData: { entry: new URL('./worker.ts', import.meta.url).href },
  });
  try {
    await use(async (job, beforeVerify) => {
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ type: 'help', port: port2 }, [port2]);
      const helper = new BatchClient(port1);
      try {
        return await packContainer(job, undefined, helper, beforeVerify);
      } finally {
        helper.close();
      }
    });
  } finally {
    await worker.terminate();
  }
}
