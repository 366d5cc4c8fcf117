// Entry of packing worker threads. Workers do not inherit tsx's loader, so register it here, but load
// h5wasm first: tsx would otherwise transpile its 4 MB bundle in every worker (~2.5 s each).
import 'h5wasm/node';
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
