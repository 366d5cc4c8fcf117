// Runs `fairbeam archive ...` as a real process for the tests (src/main.ts wires the same commands).
// h5wasm is loaded before tsx so tsx does not transpile its 4 MB bundle on every start.
import 'h5wasm/node';
import { register } from 'tsx/esm/api';

register();
const { runArchiveCli } = await import('./archive-cli.ts');
process.exitCode = await runArchiveCli(process.argv);
