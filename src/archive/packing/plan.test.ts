import { describe, expect, it } from 'vitest';
import { planContainers } from './plan.ts';
import type { ScannedEntry } from './scan.ts';

const file = (p: string, size: number, mtime = 1000): ScannedEntry => ({
  path: p,
  type: 'file',
  size,
  mtime,
  mode: 0o644,
  target: '',
});
const scan = (entries: ScannedEntry[]) => ({ entries, problems: [] });

describe('planContainers', () => {
  it('cuts members sorted by UTF-8 byte order into runs of at most the target size', () => {
    const entries = [file('b', 40), file('a', 40), file('é', 40), file('z', 40), file('c', 40)];
    const plan = planContainers('/data/run1', scan(entries), { targetSize: 100 });
    expect(plan.containers.map((c) => c.members.map((m) => m.path))).toEqual([['a', 'b'], ['c', 'z'], ['é']]);
    expect(plan.containers.map((c) => c.name)).toEqual(['run1-00001.h5', 'run1-00002.h5', 'run1-00003.h5']);
    expect(plan.containers.map((c) => c.bytes)).toEqual([80, 80, 40]);
  });

  it('uses byte order, not UTF-16 order, for characters beyond the BMP', () => {
    const plan = planContainers('/d', scan([file('\u{1F600}', 1), file('\uFF21', 1)]), {});
    expect(plan.containers[0]!.members.map((m) => m.path)).toEqual(['\uFF21', '\u{1F600}']);
  });

  it('sends files above the threshold to tape on their own', () => {
    const plan = planContainers('/d', scan([file('big', 1001), file('small', 10)]), {
      largeFileThreshold: 1000,
    });
    expect(plan.ownTapeFiles).toEqual([{ path: 'big', size: 1001, reason: 'large' }]);
    expect(plan.containers[0]!.members.map((m) => m.path)).toEqual(['small']);
  });

  it('gives the same tree the same containers and digests, and a changed file a new digest', () => {
    const entries = [file('a', 60), file('b', 60), file('c', 60)];
    const first = planContainers('/d', scan(entries), { targetSize: 100, session: 'S' });
    const again = planContainers('/d', scan([...entries].reverse()), { targetSize: 100, session: 'S' });
    expect(again.containers.map((c) => [c.name, c.digest])).toEqual(
      first.containers.map((c) => [c.name, c.digest]),
    );
    const touched = planContainers('/d', scan([file('a', 60), file('b', 60, 2000), file('c', 60)]), {
      targetSize: 100,
      session: 'S',
    });
    expect(touched.containers[0]!.digest).toBe(first.containers[0]!.digest);
    expect(touched.containers[1]!.digest).not.toBe(first.containers[1]!.digest);
  });

  it('names containers after the session when there is one', () => {
    const plan = planContainers('/d', scan([file('a', 1)]), { session: 'ma-1234 (beam)' });
    expect(plan.containers[0]!.name).toBe('ma-1234_beam_-00001.h5');
  });
});
