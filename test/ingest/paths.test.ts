import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isInside, resolveDataDirectory } from '../../src/ingest/paths.ts';
import { tempRoot } from './trees.ts';

describe('directories under a data root', () => {
  const root = tempRoot();
  afterAll(() => root.remove());

  it('takes a directory whose name starts with two dots as inside its root', async () => {
    const dir = path.join(root.dir, '..2026-run');
    fs.mkdirSync(dir);
    expect(isInside(dir, root.dir)).toBe(true);
    expect(isInside(path.join(dir, 'scan.h5'), root.dir)).toBe(true);
    expect(await resolveDataDirectory(dir, [root.dir])).toBe(dir);
  });

  it('still keeps out the parent and its other children', () => {
    expect(isInside(path.dirname(root.dir), root.dir)).toBe(false);
    expect(isInside(`${root.dir}-other`, root.dir)).toBe(false);
    expect(isInside(path.join(path.dirname(root.dir), 'x'), root.dir)).toBe(false);
    expect(isInside(root.dir, root.dir)).toBe(true);
  });
});
