import { describe, expect, it } from 'vitest';
import { decodeJob, decodeMembers, encodeJob, encodeMembers } from './job-message.ts';
import type { ScannedEntry } from './scan.ts';

const members: ScannedEntry[] = [
  { path: 'a/é\nline', type: 'file', size: 12, mtime: 1_700_000_000.25, mode: 0o640, target: '' },
  { path: 'a', type: 'dir', size: 0, mtime: 1_700_000_001, mode: 0o755, target: '' },
  { path: 'link', type: 'symlink', size: 0, mtime: 1_700_000_002.5, mode: 0o777, target: '../𝄞 x' },
  { path: 'empty', type: 'file', size: 0, mtime: 0, mode: 0, target: '' },
];

describe('container jobs crossing to a worker thread', () => {
  it('carry the member list as columns and come back as the same members', () => {
    const columns = encodeMembers(members);
    expect(columns.types).toBeInstanceOf(Uint8Array);
    expect(decodeMembers(structuredClone(columns))).toEqual(members);
    expect(decodeMembers(encodeMembers([]))).toEqual([]);
    expect(decodeMembers(encodeMembers([members[3]!]))).toEqual([members[3]]);
  });

  const base = {
    name: 'x-00001.h5',
    outDir: '/out',
    root: '/root',
    members,
    session: 's',
    created: '2026-06-01T00:00:00.000Z',
  };

  it('keep every other field of the job as it is', () => {
    const job = { ...base, planDigest: 'd', indexSlicing: { rows: 3, bytes: 64 } };
    const later = () => Promise.reject(new Error('the digest was in the message'));
    expect(decodeJob(structuredClone(encodeJob(job)), later)).toEqual(job);
  });

  it('leave a digest that is not known yet to a later message', async () => {
    const job = { ...base, planDigest: Promise.resolve('d') };
    const message = structuredClone(encodeJob(job));
    expect(message.planDigest).toBeUndefined();
    const decoded = decodeJob(message, () => Promise.resolve('sent later'));
    await expect(decoded.planDigest).resolves.toBe('sent later');
    expect(decoded.members).toEqual(members);
  });
});
