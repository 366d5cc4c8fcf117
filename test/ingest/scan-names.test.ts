import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanDirectory } from '../../src/ingest/scan.ts';
import { checkRelativePath } from '../../src/ingest/paths.ts';
import { tempRoot } from './trees.ts';

describe('scanning names a datafile path cannot hold', () => {
  const root = tempRoot();
  afterAll(() => root.remove());

  it('reports a file whose name has a backslash instead of registering a file no one can download', async () => {
    fs.mkdirSync(path.join(root.dir, 'run'));
    fs.writeFileSync(path.join(root.dir, 'run', 'a\\b.h5'), 'x');
    fs.writeFileSync(path.join(root.dir, 'run', 'ok.h5'), 'y');
    const { files, problems } = await scanDirectory(root.dir);
    expect(files.map((f) => f.path)).toEqual(['run/ok.h5']);
    expect(files.every((f) => checkRelativePath(f.path) === undefined)).toBe(true);
    expect(problems).toEqual([
      { path: 'run/a\\b.h5', reason: expect.stringContaining('not registered') as unknown as string },
    ]);
  });
});
