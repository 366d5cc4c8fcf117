import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveStream } from '../../src/downloads/archive.ts';
import { tempRoot } from '../ingest/trees.ts';

/** Everything the stream gives, or the error it ends with. */
const drain = (s: Readable) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });

// The sizes were taken (fileOnDisk) before the archive is streamed; the file can change in between.
describe('archives of files that changed after they were looked at', () => {
  let dir: ReturnType<typeof tempRoot>;
  let file: string;
  const bytes = Buffer.from('0123456789abcdef'.repeat(64));
  beforeAll(() => {
    dir = tempRoot('fb-archive-');
    file = path.join(dir.dir, 'scan.dat');
    fs.writeFileSync(file, bytes);
  });
  afterAll(() => dir?.remove());
  const member = (size: number) => [
    { name: 'ds/scan.dat', file: { absolute: file, size, mtime: new Date() } },
  ];

  it.each(['zip', 'tar'] as const)(
    '%s: a file that grew is archived at the size announced',
    async (format) => {
      const archive = path.join(dir.dir, `grew.${format}`);
      fs.writeFileSync(archive, await drain(archiveStream(format, member(1000))));
      const out = fs.mkdtempSync(path.join(dir.dir, 'out-'));
      if (format === 'zip') execFileSync('unzip', ['-q', archive, '-d', out]);
      else execFileSync('tar', ['-xf', archive, '-C', out]);
      expect(fs.readFileSync(path.join(out, 'ds', 'scan.dat')).equals(bytes.subarray(0, 1000))).toBe(true);
    },
  );

  it.each(['zip', 'tar'] as const)('%s: a file that shrank ends the stream with an error', async (format) => {
    await expect(drain(archiveStream(format, member(bytes.length + 100)))).rejects.toThrow();
  });
});
