import { useEffect, useState } from 'react';
import { App } from '@h5web/app';
import { H5WasmBufferProvider } from '@h5web/h5wasm';

/**
 * @h5web/h5wasm reads a whole ArrayBuffer (or a local File); it has no HTTP range reader. So the
 * preview fetches the file once, and only up to this size, to keep the browser's memory bounded.
 */
export const MAX_PREVIEW_BYTES = 128 * 1024 * 1024;

type State =
  | { kind: 'loading'; received: number; total: number | null }
  | { kind: 'ready'; buffer: ArrayBuffer }
  | { kind: 'message'; text: string; error: boolean };

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** `/preview/?file=ID&name=NAME`: the datafile's HDF5 tree, attributes and plots, in @h5web. */
export function PreviewPage() {
  const params = new URLSearchParams(window.location.search);
  const fileId = Number(params.get('file'));
  const name = params.get('name') ?? `datafile-${fileId}.h5`;
  const [state, setState] = useState<State>({ kind: 'loading', received: 0, total: null });

  useEffect(() => {
    if (!Number.isSafeInteger(fileId) || fileId < 1) {
      setState({ kind: 'message', text: 'No datafile was named for the preview.', error: true });
      return;
    }
    const abort = new AbortController();
    loadFile(fileId, abort.signal, (received, total) => setState({ kind: 'loading', received, total })).then(
      setState,
      (e: unknown) => {
        if (!abort.signal.aborted)
          setState({ kind: 'message', text: `The preview failed: ${String(e)}`, error: true });
      },
    );
    return () => abort.abort();
  }, [fileId]);

  if (state.kind === 'message')
    return (
      <p className={`preview-message${state.error ? ' error' : ''}`} role={state.error ? 'alert' : 'status'}>
        {state.text}
      </p>
    );
  if (state.kind === 'loading')
    return (
      <p className="preview-message" role="status">
        Loading {name}… {mib(state.received)}
        {state.total !== null ? ` of ${mib(state.total)}` : ''}
      </p>
    );
  return (
    <H5WasmBufferProvider filename={name} buffer={state.buffer}>
      <App sidebarOpen initialPath="/" />
    </H5WasmBufferProvider>
  );
}

async function loadFile(
  id: number,
  signal: AbortSignal,
  progress: (received: number, total: number | null) => void,
): Promise<State> {
  const res = await fetch(`/api/datafiles/${id}/content`, { credentials: 'same-origin', signal });
  if (res.status === 202)
    return {
      kind: 'message',
      text: 'This file is on tape; download it to restore it, then preview it.',
      error: false,
    };
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null;
    return { kind: 'message', text: body?.message ?? `The server answered ${res.status}.`, error: true };
  }
  const length = res.headers.get('content-length');
  const total = length === null ? null : Number(length);
  const tooLarge = (n: number) => ({
    kind: 'message' as const,
    text: `This file (${mib(n)}) is larger than the ${mib(MAX_PREVIEW_BYTES)} the browser preview reads; download it to open it locally.`,
    error: false,
  });
  if (total !== null && total > MAX_PREVIEW_BYTES) {
    await res.body?.cancel();
    return tooLarge(total);
  }
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > MAX_PREVIEW_BYTES) {
      await reader.cancel();
      return tooLarge(received);
    }
    chunks.push(value);
    progress(received, total);
  }
  const buffer = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    buffer.set(c, at);
    at += c.byteLength;
  }
  return { kind: 'ready', buffer: buffer.buffer };
}
