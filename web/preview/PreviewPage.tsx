import { useEffect, useState } from 'react';
import { App, DataProvider } from '@h5web/app';
import { WorkerProviderApi, type TransferStats } from './worker-api.ts';

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; api: WorkerProviderApi; size: number }
  | { kind: 'message'; text: string; error: boolean };

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * `/preview/?file=ID&name=NAME`: the datafile's HDF5 tree, attributes and plots, in @h5web. The file
 * is not downloaded: h5wasm runs in a worker and reads it with HTTP Range requests to
 * `GET /api/datafiles/{id}/content` (with the portal's cookie, so the access policy applies to every
 * read), fetching only the metadata and the slices that are shown.
 */
export function PreviewPage() {
  const params = new URLSearchParams(window.location.search);
  const fileId = Number(params.get('file'));
  const name = params.get('name') ?? `datafile-${fileId}.h5`;
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [stats, setStats] = useState<TransferStats | null>(null);

  useEffect(() => {
    if (!Number.isSafeInteger(fileId) || fileId < 1) {
      setState({ kind: 'message', text: 'No datafile was named for the preview.', error: true });
      return;
    }
    const api = new WorkerProviderApi(name, `/api/datafiles/${fileId}/content`);
    let live = true;
    api.ready.then(
      ({ size }) => live && setState({ kind: 'ready', api, size }),
      (e: Error) =>
        live &&
        setState({
          kind: 'message',
          text: /on tape/.test(e.message) ? e.message : `The preview failed: ${e.message}`,
          error: !/on tape/.test(e.message),
        }),
    );
    const timer = setInterval(
      () =>
        void api.stats().then(
          (s) => live && setStats(s),
          () => {},
        ),
      1000,
    );
    return () => {
      live = false;
      clearInterval(timer);
      api.close();
    };
  }, [fileId, name]);

  if (state.kind === 'message')
    return (
      <p className={`preview-message${state.error ? ' error' : ''}`} role={state.error ? 'alert' : 'status'}>
        {state.text}
      </p>
    );
  if (state.kind === 'loading')
    return (
      <p className="preview-message" role="status">
        Opening {name}…
      </p>
    );
  return (
    <div className="preview-layout">
      <div className="preview-viewer">
        <DataProvider api={state.api}>
          <App sidebarOpen initialPath="/" />
        </DataProvider>
      </div>
      <p className="preview-transfer" data-testid="preview-transfer">
        {stats
          ? `Read ${mib(stats.bytes)} of this ${mib(stats.size)} file in ${stats.requests} range requests`
          : `${mib(state.size)} file, read in parts with range requests`}
      </p>
    </div>
  );
}
