import { parentPort } from 'node:worker_threads';
import { loadH5wasm } from '../../hdf5/h5wasm.ts';
import { isWasmCrash } from './h5-errors.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { readNexusMetadata } from './read-metadata.ts';

// One h5wasm instance per worker thread, loaded once and reused for every file.
if (!parentPort) throw new Error('worker.ts runs as a worker thread of the NeXus extractor pool');
const port = parentPort;
const h5 = loadH5wasm();

port.on('message', async (message: ToWorker) => {
  const api = await h5;
  let reply: FromWorker;
  let crashed = false;
  try {
    reply = { type: 'result', id: message.id, result: readNexusMetadata(api, message.path) };
  } catch (error) {
    crashed = isWasmCrash(error);
    const detail = error instanceof Error ? error.message : String(error);
    const reason = crashed
      ? `HDF5 reader crashed on this file: ${detail}`
      : `unexpected error while reading metadata: ${detail}`;
    reply = { type: 'result', id: message.id, result: { ok: false, reason }, exiting: crashed };
  }
  port.postMessage(reply);
  // After a wasm abort the module's memory is in an unknown state: leave, the pool starts a fresh worker.
  if (crashed) process.exit(1);
});

h5.then(() => port.postMessage({ type: 'ready' } satisfies FromWorker));
