import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractContainer } from './extract.ts';
import { bytes, expectSameTree, snapshotTree, useTempDirs, writeTree } from './testing/trees.ts';
import { verifyContainer } from './verify.ts';

const tempDir = useTempDirs();
const CLI = fileURLToPath(new URL('./testing/run-cli.mjs', import.meta.url));

function startPack(root: string, out: string, workers: number): ChildProcess {
  const args = [
    CLI,
    'archive',
    'pack',
    root,
    '--out',
    out,
    '--target-size',
    '512KiB',
    '--workers',
    String(workers),
  ];
  return spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** Kill points: while the first container is still .partial, or once `done` containers are final. */
async function killWhen(child: ChildProcess, out: string, moment: { partial: boolean; done: number }) {
  const deadline = Date.now() + 20_000;
  while (child.exitCode === null && Date.now() < deadline) {
    const names = fs.existsSync(out) ? fs.readdirSync(out) : [];
    const final = names.filter((n) => n.endsWith('.h5')).length;
    if (
      (moment.partial && names.some((n) => n.endsWith('.partial'))) ||
      (!moment.partial && final >= moment.done)
    ) {
      child.kill('SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

const moments = [
  { seed: 1, partial: true, done: 0 },
  { seed: 2, partial: false, done: 1 },
  { seed: 3, partial: false, done: 3 },
  { seed: 4, partial: false, done: 5 },
];

describe('pack killed with SIGKILL and run again', () => {
  it.each(moments)('never leaves a half container and finishes correctly (seed $seed)', async (moment) => {
    const spec = Object.fromEntries(
      Array.from({ length: 120 }, (_, i) => [
        `d${i % 7}/f${i}.bin`,
        bytes(10_000 + ((i * moment.seed * 7919) % 40_000), i),
      ]),
    );
    const root = writeTree(tempDir('src'), { ...spec, 'empty/': { dir: true } });
    const out = tempDir('out');

    // Odd seeds write two containers at a time, so a kill can leave two .partial files.
    const workers = 1 + (moment.seed % 2);
    const first = startPack(root, out, workers);
    await killWhen(first, out, moment);
    await exited(first);
    for (const name of fs.readdirSync(out).filter((n) => n.endsWith('.h5'))) {
      expect((await verifyContainer(path.join(out, name))).ok, `${name} after the kill`).toBe(true);
    }

    const second = startPack(root, out, workers);
    let stderr = '';
    second.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await exited(second), stderr).toBe(0);
    const names = fs.readdirSync(out);
    expect(names.filter((n) => n.endsWith('.partial'))).toEqual([]);
    const to = tempDir('restore');
    for (const name of names.filter((n) => n.endsWith('.h5')).sort()) {
      expect((await verifyContainer(path.join(out, name))).ok).toBe(true);
      await extractContainer(path.join(out, name), { to });
    }
    expectSameTree(snapshotTree(to), snapshotTree(root));
  });
});
