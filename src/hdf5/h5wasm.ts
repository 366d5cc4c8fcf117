import * as h5wasm from 'h5wasm/node';

export type H5Api = typeof h5wasm;

let ready: Promise<H5Api> | undefined;

/**
 * Loads h5wasm once per thread and switches the HDF5 library to throwing errors, so a corrupt file
 * becomes an exception we can report by name instead of an abort or a silent empty read.
 */
export function loadH5wasm(): Promise<H5Api> {
  ready ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
    return h5wasm;
  });
  return ready;
}

/** A hyperslab transfer between a dataset and the wasm heap (count, offset, strides per dimension). */
type HeapTransfer = (
  fileId: bigint,
  path: string,
  count: bigint[],
  offset: bigint[],
  strides: bigint[],
  pointer: bigint,
) => number;

/**
 * The parts of h5wasm's Emscripten module that move bytes between a dataset and the wasm heap without
 * a JavaScript copy; they are exported by h5wasm but not in its typings.
 */
export interface H5wasmHeap {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  get_dataset_data: HeapTransfer;
  set_dataset_data: HeapTransfer;
}

export const heapOf = (api: H5Api): H5wasmHeap => api.Module as unknown as H5wasmHeap;

/**
 * Moves `count` elements of a 1-D dataset, from element `from` on, between the dataset and the wasm
 * heap at `pointer`: `get` reads them into the heap, `set` writes them from it.
 */
export function heapSlab(
  module: H5wasmHeap,
  direction: 'get' | 'set',
  dataset: { file_id: bigint; path: string },
  from: number,
  count: number,
  pointer: number,
): void {
  const transfer = direction === 'get' ? module.get_dataset_data : module.set_dataset_data;
  transfer(dataset.file_id, dataset.path, [BigInt(count)], [BigInt(from)], [1n], BigInt(pointer));
}
