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
