// One frame of the HDF5 error stack: `  #006: .../H5Fsuper.c line 577 in H5F__super_read(): truncated file: ...`
const STACK_FRAME = /#\d+: .* in [\w.]+\(\): (.+)$/gm;

/**
 * The most specific message in an HDF5 error, i.e. the innermost frame of its stack
 * ("truncated file: eof = 3000, sblock->base_addr = 0, stored_eof = 29488"), without the
 * build paths and line numbers around it.
 */
export function describeH5Error(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  let innermost: string | undefined;
  for (const match of text.matchAll(STACK_FRAME)) innermost = match[1];
  const message = (innermost ?? text.split('\n')[0] ?? '').trim();
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** Whether an exception came from the wasm runtime (abort, trap) rather than an HDF5 error report. */
export function isWasmCrash(error: unknown): boolean {
  if (error instanceof WebAssembly.RuntimeError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /^(Aborted|RuntimeError)|memory access out of bounds|unreachable/.test(message);
}
