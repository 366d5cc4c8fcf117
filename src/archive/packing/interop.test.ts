import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packTree } from './pack.ts';
import { bytes, useTempDirs, writeTree } from './testing/trees.ts';
import { verifyContainer } from './verify.ts';

const tempDir = useTempDirs();
// Debian's python3 has h5py (python3-h5py); a pyenv python3 earlier on PATH usually does not.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../test/h5py/read_container.py', import.meta.url));

const hasH5py = spawnSync(PYTHON, ['-c', 'import h5py']).status === 0;
const hasH5dump = spawnSync('h5dump', ['--version']).status === 0;
const missing = [!hasH5py && 'python3-h5py', !hasH5dump && 'hdf5-tools'].filter(Boolean).join(', ');

describe('containers open without fairbeam (h5py, h5dump)', () => {
  if (missing && process.env.CI) {
    it('has its tools installed in CI', () => {
      expect.fail(`missing Debian packages: ${missing} (apt-get install -y hdf5-tools python3-h5py)`);
    });
    return;
  }

  it.skipIf(Boolean(missing))(
    `h5py reads the index and one member${missing ? ` (skipped: no ${missing})` : ''}`,
    async () => {
      const root = writeTree(tempDir('src'), {
        'raw/frame_0001.bin': bytes(150_000, 1),
        'raw/frame_0002.bin': bytes(250_000, 2),
        'notes/réglage.txt': 'µ-focus',
        link: { symlink: 'raw' },
      });
      const result = await packTree({ root, outDir: tempDir('out'), session: 'ma-1' });
      const file = result.containers[0]!.file;

      const report = JSON.parse(
        execFileSync(PYTHON, [SCRIPT, file, 'raw/frame_0002.bin'], { encoding: 'utf8' }),
      );
      expect(report.attrs).toMatchObject({
        format: 'fairbeam-container',
        version: 1,
        session: 'ma-1',
        member_count: 6,
      });
      expect(report.rows).toBe(6);
      expect(Object.values(report.column_lengths)).toEqual(Array(8).fill(6));
      expect(report.sorted).toBe(true);
      expect(report.blob).toEqual({ dtype: 'uint8', chunks: [1048576], compression: null });
      expect(report.member).toMatchObject({ type: 'file', length: 250_000 });
      expect(report.member.sha256_data).toBe(report.member.sha256_index);
      expect(report.targets).toEqual({
        link: 'raw',
        notes: '',
        'notes/réglage.txt': '',
        raw: '',
        'raw/frame_0001.bin': '',
        'raw/frame_0002.bin': '',
      });

      const header = execFileSync('h5dump', ['-H', file], { encoding: 'utf8' });
      expect(header).toContain('DATASET "blob"');
      expect(header).toContain('GROUP "index"');
      expect(header).toMatch(/ATTRIBUTE "format"/);
    },
  );
  it.skipIf(Boolean(missing))(
    `h5py reads an index written in many slices${missing ? ` (skipped: no ${missing})` : ''}`,
    async () => {
      const spec = Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [
          `scan_${i % 4}/frame_${String(i).padStart(4, '0')}.bin`,
          bytes(900 + i * 37, i),
        ]),
      );
      // Two files streamed on their own (over 1 MiB) cut the rest into three batches: the index is
      // written in pieces between them, as rows come in.
      spec['scan_1/big.bin'] = bytes(1_200_000, 41);
      spec['scan_2/big.bin'] = bytes(1_300_000, 42);
      const root = writeTree(tempDir('src'), spec);
      // 3 rows (or 64 bytes of path strings) per h5wasm call: 46 rows take 15+ slices per column.
      const result = await packTree({ root, outDir: tempDir('out'), indexSlicing: { rows: 3, bytes: 64 } });
      const file = result.containers[0]!.file;
      const report = JSON.parse(
        execFileSync(PYTHON, [SCRIPT, file, 'scan_3/frame_0039.bin'], { encoding: 'utf8' }),
      );
      expect(report.rows).toBe(46);
      expect(Object.values(report.column_lengths)).toEqual(Array(8).fill(46));
      expect(report.sorted).toBe(true);
      expect(report.member).toMatchObject({ type: 'file', length: 900 + 39 * 37 });
      expect(report.member.sha256_data).toBe(report.member.sha256_index);
      expect((await verifyContainer(file)).ok).toBe(true);
    },
  );
});
