import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HDF5_SIGNATURE, bytesAreHdf5, fileIsHdf5, signatureOffsets } from './hdf5-signature.ts';
import { useTempDirs, writeHdf5File } from './testing/trees.ts';

const tempDir = useTempDirs();

function withSignatureAt(at: number, size = 4096): Buffer {
  const data = Buffer.alloc(size, 7);
  HDF5_SIGNATURE.copy(data, at);
  return data;
}

describe('HDF5 detection', () => {
  it('looks at 0 and at every user-block size (512, 1024, 2048, ...) inside the file', () => {
    expect(signatureOffsets(5000)).toEqual([0, 512, 1024, 2048, 4096]);
    expect(signatureOffsets(7)).toEqual([]);
  });

  it('finds a superblock after a user block, not one at an arbitrary offset', () => {
    expect(bytesAreHdf5(withSignatureAt(0))).toBe(true);
    expect(bytesAreHdf5(withSignatureAt(512))).toBe(true);
    expect(bytesAreHdf5(withSignatureAt(2048))).toBe(true);
    expect(bytesAreHdf5(withSignatureAt(100))).toBe(false);
    // A signature ending exactly at the end counts; one cut off by the end (or by `size`) does not.
    expect(bytesAreHdf5(withSignatureAt(1024, 1032))).toBe(true);
    expect(bytesAreHdf5(withSignatureAt(1024, 1032).subarray(0, 1031))).toBe(false);
    expect(bytesAreHdf5(withSignatureAt(1024, 1032), 1031)).toBe(false);
    const almost = withSignatureAt(0);
    almost[7] = 0;
    expect(bytesAreHdf5(almost)).toBe(false);
  });

  it('recognises a real HDF5 file whatever its extension', async () => {
    const dir = tempDir();
    const disguised = path.join(dir, 'scan.dat');
    await writeHdf5File(disguised);
    expect(fileIsHdf5(disguised, fs.statSync(disguised).size)).toBe(true);
    fs.writeFileSync(path.join(dir, 'fake.h5'), 'just text');
    expect(fileIsHdf5(path.join(dir, 'fake.h5'), 9)).toBe(false);
    const userBlock = path.join(dir, 'userblock.bin');
    fs.writeFileSync(userBlock, withSignatureAt(1024, 3000));
    expect(fileIsHdf5(userBlock, 3000)).toBe(true);
  });
});
