import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FIXTURES = '/work/shared/fixtures/nexus';

/** A fresh temporary data root; remove() deletes it. */
export function tempRoot(prefix = 'fb-ingest-') {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A beamline directory holding every shared NeXus fixture, plus the awkward cases: a truncated
 * HDF5, a text file named .h5, an empty .nxs, a plain text file, a symlink leading outside the tree
 * (to `outside`, a file with secret bytes), a symlink to a file inside, a broken symlink and a FIFO.
 */
export function beamlineTree(root: string, outside: string): string {
  const dir = path.join(root, 'scan_0001');
  fs.mkdirSync(path.join(dir, 'nexus'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'notes'), { recursive: true });
  for (const f of fs.readdirSync(FIXTURES))
    fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, 'nexus', f));
  const whole = fs.readFileSync(path.join(FIXTURES, 'DLS_p45_hdf5_p45-1168.nxs'));
  fs.writeFileSync(path.join(dir, 'truncated.nxs'), whole.subarray(0, 5000));
  fs.writeFileSync(path.join(dir, 'fake.h5'), 'this is not HDF5\n');
  fs.writeFileSync(path.join(dir, 'empty.nxs'), '');
  fs.writeFileSync(path.join(dir, 'notes', 'readme.txt'), 'beam was stable\n');
  fs.writeFileSync(path.join(dir, 'notes', 'ünïcode name.txt'), 'grüße\n');
  fs.writeFileSync(outside, 'SECRET BYTES OUTSIDE THE TREE\n');
  fs.symlinkSync(outside, path.join(dir, 'escape.h5'));
  fs.symlinkSync('notes/readme.txt', path.join(dir, 'readme-link.txt'));
  fs.symlinkSync('does-not-exist', path.join(dir, 'dangling.h5'));
  fs.symlinkSync('..', path.join(dir, 'parent-dir-link'));
  execMkfifo(path.join(dir, 'pipe.h5'));
  return dir;
}

function execMkfifo(p: string) {
  // node has no mkfifo; the coreutils one is always there on Linux.
  execFileSync('mkfifo', [p]);
}
