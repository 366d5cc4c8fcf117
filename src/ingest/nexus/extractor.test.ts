import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractNexusMetadata } from './extractor.ts';

describe('extractNexusMetadata', () => {
  it('reads a file given by a relative path with the shared extractor', async () => {
    const path = relative(process.cwd(), '/work/shared/fixtures/nexus/code_hdf5_dmc01.h5');
    const result = await extractNexusMetadata(path);
    expect(result.ok && result.metadata.instrument).toBe('DMC at SINQ');
  });

  it('never rejects, whatever the path', async () => {
    expect(await extractNexusMetadata('')).toEqual({ ok: false, reason: 'not a regular file' });
    expect(await extractNexusMetadata('/no/such/file.nxs')).toEqual({ ok: false, reason: 'file not found' });
  });
});
