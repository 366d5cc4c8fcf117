import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadH5wasm } from '../../hdf5/h5wasm.ts';
import { createNexusExtractor, extractNexusMetadata, type NexusExtractor } from './extractor.ts';
import type { ExtractResult } from './types.ts';

const GOOD = '/work/shared/fixtures/nexus/APS_NXsas_hdf5_nexus-example.hdf5';

let dir: string;
let extractor: NexusExtractor;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fairbeam-nexus-'));
  extractor = createNexusExtractor({ workers: 1, timeoutMs: 20_000 });
});

afterAll(async () => {
  await extractor.close();
  rmSync(dir, { recursive: true, force: true });
});

function failure(result: ExtractResult): string {
  if (result.ok) throw new Error('expected a failure, got metadata');
  return result.reason;
}

async function expectPoolStillWorks(): Promise<void> {
  const result = await extractor.extract(GOOD);
  expect(result.ok && result.metadata.definition).toBe('NXsas');
}

describe('files that are not readable NeXus', () => {
  it('names a non-HDF5 file with an .h5 name', async () => {
    const path = join(dir, 'notes.h5');
    writeFileSync(path, 'beamtime notes, not HDF5\n'.repeat(100));
    expect(failure(await extractor.extract(path))).toBe('not an HDF5 file (no HDF5 signature)');
    await expectPoolStillWorks();
  });

  it('names an empty file', async () => {
    const path = join(dir, 'empty.nxs');
    writeFileSync(path, '');
    expect(failure(await extractor.extract(path))).toBe('empty file (0 bytes)');
    await expectPoolStillWorks();
  });

  it('reports a truncated copy of a good file with the sizes HDF5 saw', async () => {
    const path = join(dir, 'truncated.hdf5');
    writeFileSync(path, readFileSync(GOOD).subarray(0, 200_000));
    expect(failure(await extractor.extract(path))).toBe(
      'truncated or corrupt HDF5: truncated file: eof = 200000, sblock->base_addr = 0, stored_eof = 1944569',
    );
    await expectPoolStillWorks();
  });

  it('reports a file that disappeared before it was read', async () => {
    const path = join(dir, 'gone.nxs');
    copyFileSync(GOOD, path);
    rmSync(path);
    expect(failure(await extractor.extract(path))).toBe('file not found');
    await expectPoolStillWorks();
  });

  it('reports a directory given as a file', async () => {
    const path = join(dir, 'scan_0001.nxs');
    mkdirSync(path);
    expect(failure(await extractor.extract(path))).toBe('not a regular file');
  });
});

describe('extractNexusMetadata (the shared extractor)', () => {
  it('reads a file given by a relative path', async () => {
    const result = await extractNexusMetadata(
      relative(process.cwd(), '/work/shared/fixtures/nexus/code_hdf5_dmc01.h5'),
    );
    expect(result.ok && result.metadata.instrument).toBe('DMC at SINQ');
  });

  it('never rejects, whatever the path', async () => {
    expect(await extractNexusMetadata('')).toEqual({ ok: false, reason: 'not a regular file' });
    expect(await extractNexusMetadata('/no/such/file.nxs')).toEqual({ ok: false, reason: 'file not found' });
  });
});

describe('files with unreadable parts', () => {
  it('keeps what it can read and warns about broken links and undecodable data', async () => {
    const path = join(dir, 'damaged.nxs');
    await writeDamagedNexusFile(path);
    const result = await extractor.extract(path);
    if (!result.ok) throw new Error(result.reason);
    expect(result.metadata.definition).toBe('NXmx');
    expect(result.metadata.parameters).toEqual([
      {
        name: 'sample.temperature',
        path: '/entry/sample/temperature',
        value: 300,
        unit: 'K',
        siValue: 300,
        siUnit: 'K',
      },
    ]);
    expect(result.metadata.warnings).toEqual([
      'broken soft link: /entry/sample/broken → /entry/sample/nowhere',
      'external link not followed: /entry/sample/elsewhere → other_file.h5:/entry/data',
      'cannot read /entry/sample/pressure: filter returned failure during read',
    ]);
  });
});

/**
 * A small NeXus file with a broken soft link, an external link, and a gzip-compressed field whose
 * compressed bytes are overwritten, so HDF5 can list the field but not decode it.
 */
async function writeDamagedNexusFile(path: string): Promise<void> {
  const h5 = await loadH5wasm();
  const file = new h5.File(path, 'w');
  const entry = file.create_group('entry');
  entry.create_attribute('NX_class', 'NXentry');
  entry.create_dataset({ name: 'definition', data: 'NXmx' });
  const sample = entry.create_group('sample');
  sample.create_attribute('NX_class', 'NXsample');
  sample
    .create_dataset({ name: 'temperature', data: new Float64Array([300]) })
    .create_attribute('units', 'K');
  const pressure = sample.create_dataset({
    name: 'pressure',
    data: new Float64Array([1.5]),
    chunks: [1],
    compression: 'gzip',
    compression_opts: 9,
  });
  pressure.create_attribute('units', 'mbar');
  sample.create_soft_link('/entry/sample/nowhere', 'broken');
  sample.create_external_link('other_file.h5', '/entry/data', 'elsewhere');
  file.close();

  const bytes = readFileSync(path);
  const zlibHeader = bytes.indexOf(Buffer.from([0x78, 0xda])); // deflate, best compression
  expect(zlibHeader).toBeGreaterThan(0);
  expect(bytes.indexOf(Buffer.from([0x78, 0xda]), zlibHeader + 1)).toBe(-1);
  bytes.fill(0xff, zlibHeader + 2, zlibHeader + 10);
  writeFileSync(path, bytes);
}
