import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Group } from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadH5wasm, type H5Api } from '../../hdf5/h5wasm.ts';
import { readNexusMetadata } from './read-metadata.ts';
import type { NexusMetadata } from './types.ts';

// In-thread reads of small files written here with h5wasm: the walk's limits and edge cases.
let h5: H5Api;
let dir: string;

beforeAll(async () => {
  h5 = await loadH5wasm();
  dir = mkdtempSync(join(tmpdir(), 'fairbeam-nexus-read-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nxGroup(parent: Group, name: string, nxClass: string): Group {
  const group = parent.create_group(name);
  group.create_attribute('NX_class', nxClass);
  return group;
}

function writeFile(name: string, build: (root: Group) => void): string {
  const path = join(dir, name);
  const file = new h5.File(path, 'w');
  build(file);
  file.close();
  return path;
}

function read(path: string, options?: Parameters<typeof readNexusMetadata>[2]): NexusMetadata {
  const result = readNexusMetadata(h5, path, options);
  if (!result.ok) throw new Error(result.reason);
  return result.metadata;
}

describe('readNexusMetadata', () => {
  it('stops at the node budget and says so', () => {
    const path = writeFile('wide.nxs', (root) => {
      const sample = nxGroup(nxGroup(root, 'entry', 'NXentry'), 'sample', 'NXsample');
      for (let i = 0; i < 50; i++) sample.create_dataset({ name: `field_${i}`, data: new Float64Array([i]) });
    });
    const metadata = read(path, { limits: { maxNodes: 10, maxDepth: 16 } });
    expect(metadata.parameters.length).toBeLessThan(10);
    expect(metadata.warnings).toContain('stopped reading after 10 objects; the rest of the file was skipped');
  });

  it('ends on a soft link that loops back to its parent', () => {
    const path = writeFile('loop.nxs', (root) => {
      const instrument = nxGroup(nxGroup(root, 'entry', 'NXentry'), 'instrument', 'NXinstrument');
      instrument.create_dataset({ name: 'name', data: 'LOOP' });
      instrument.create_soft_link('/entry/instrument', 'again');
    });
    const metadata = read(path, { limits: { maxNodes: 1000, maxDepth: 6 } });
    expect(metadata.instrument).toBe('LOOP');
    expect(metadata.warnings.some((warning) => warning.startsWith('not descending below /entry/'))).toBe(
      true,
    );
  });

  it('describes a file with several entries by the first that has each field', () => {
    const path = writeFile('two-entries.nxs', (root) => {
      const first = nxGroup(root, 'scan_1', 'NXentry');
      first.create_dataset({ name: 'definition', data: 'NXtomo' });
      const second = nxGroup(root, 'scan_2', 'NXentry');
      second.create_dataset({ name: 'definition', data: 'NXxas' });
      second.create_dataset({ name: 'title', data: 'second scan' });
    });
    const metadata = read(path);
    expect(metadata.entries).toEqual(['scan_1', 'scan_2']);
    expect(metadata.definition).toBe('NXtomo');
    expect(metadata.title).toBe('second scan');
    expect(metadata.techniques).toEqual(['PaNET01129', 'PaNET01196']);
  });

  it('reads a plain HDF5 file without NeXus classes, with a warning', () => {
    const path = writeFile('plain.h5', (root) => {
      root.create_group('images').create_dataset({ name: 'exposure', data: new Float64Array([0.1]) });
    });
    const metadata = read(path);
    expect(metadata.entries).toEqual([]);
    expect(metadata.warnings).toEqual(['no NXentry group: not a NeXus file, or not one we can read']);
  });

  it('never reads fields larger than one element', () => {
    const path = writeFile('arrays.nxs', (root) => {
      const detector = nxGroup(
        nxGroup(nxGroup(root, 'entry', 'NXentry'), 'instrument', 'NXinstrument'),
        'detector',
        'NXdetector',
      );
      detector.create_dataset({ name: 'data', data: new Float32Array(1000), shape: [10, 100] });
      detector
        .create_dataset({ name: 'distance', data: new Float64Array([250]) })
        .create_attribute('units', 'mm');
    });
    expect(read(path).parameters).toEqual([
      {
        name: 'instrument.detector.distance',
        path: '/entry/instrument/detector/distance',
        value: 250,
        unit: 'mm',
      },
    ]);
  });
});
