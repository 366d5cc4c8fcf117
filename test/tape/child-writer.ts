// Child process for the crash-safety test: mounts a cartridge of the virtual library at `root` and
// appends `source` (a named pipe the test feeds, then kills this process half-way) as a tape file.
import { VirtualLibrary } from '../../src/archive/tape/virtual-library.ts';

const [root, barcode, source] = process.argv.slice(2) as [string, string, string];
const lib = new VirtualLibrary({
  name: 'vtl',
  root,
  generation: 'lto8',
  drives: 2,
  slots: 4,
  clock: 'simulated',
  cartridges: [{ barcode, generation: 'lto8', capacity: 1e9 }],
});
const drive = await lib.mount(barcode);
process.stdout.write('mounted\n');
await drive.writeFile(source);
process.stdout.write('written\n');
