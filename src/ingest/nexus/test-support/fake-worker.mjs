// @ts-check
import { parentPort } from 'node:worker_threads';

/**
 * Stands in for worker.ts in pool tests, speaking the protocol of protocol.ts and misbehaving on
 * demand by file name: `hang` loops forever, `exit` ends the thread, `abort` throws a wasm trap
 * outside any handler, as an h5wasm abort would, and `trap` answers like worker.ts after a caught
 * wasm crash: a failure marked `exiting`, then it leaves (a little later, to expose any file sent
 * to it meanwhile). Plain JS, so tests do not wait for a TS loader.
 */
const port = parentPort;
if (!port) throw new Error('fake-worker.mjs must run as a worker thread');

let leaving = false;

port.on('message', (/** @type {{ id: number, path: string }} */ message) => {
  if (leaving) return; // a dying reader loses whatever it is sent
  if (message.path.endsWith('hang')) for (;;);
  if (message.path.endsWith('exit')) process.exit(3);
  if (message.path.endsWith('abort')) {
    setImmediate(() => {
      throw new WebAssembly.RuntimeError('unreachable');
    });
    return;
  }
  if (message.path.endsWith('trap')) {
    const result = { ok: false, reason: 'HDF5 reader crashed on this file: unreachable' };
    port.postMessage({ type: 'result', id: message.id, result, exiting: true });
    leaving = true;
    setTimeout(() => process.exit(1), 200);
    return;
  }
  const metadata = { techniques: [], entries: [message.path], parameters: [], warnings: [] };
  port.postMessage({ type: 'result', id: message.id, result: { ok: true, metadata } });
});

port.postMessage({ type: 'ready' });
