import h5wasm, { Attribute, Dataset, File as H5File } from 'h5wasm';
import { RangeFile } from './range-file.ts';
import { entityOf, type H5Reader } from './h5-entities.ts';

// The preview's HDF5 reader: h5wasm in a Web Worker, over a file of the in-memory file system whose
// reads are HTTP Range requests to the content endpoint (RangeFile), so only the parts of the file
// the viewer shows are transferred. Answers the calls of WorkerProviderApi (worker-api.ts).

export type Call =
  | { method: 'open'; url: string }
  | { method: 'getEntity'; path: string }
  | { method: 'getValue'; path: string; selection?: string }
  | { method: 'getAttrValues'; path: string; names: string[] }
  | { method: 'getSearchablePaths'; path: string }
  | { method: 'stats' };

interface Scope {
  onmessage: ((e: MessageEvent<{ id: number; call: Call }>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}
const scope = self as unknown as Scope;

const EIO = 29; // Emscripten's errno for an I/O error: HDF5 reports a read failure, not a crash
let opened: { file: H5File; remote: RangeFile; h5: H5Reader } | undefined;
let lastReadError: string | undefined;

async function open(url: string) {
  const module = await h5wasm.ready;
  const FS = module.FS as unknown as EmscriptenFS;
  const remote = RangeFile.open(url);
  const name = `/remote-${Date.now()}.h5`;
  const node = FS.createFile('/', name.slice(1), {}, true, false);
  Object.defineProperty(node, 'usedBytes', { get: () => remote.size });
  node.stream_ops = {
    ...node.stream_ops,
    read(_stream: unknown, buffer: Uint8Array, offset: number, length: number, position: number) {
      try {
        return remote.read(buffer, offset, length, position);
      } catch (e) {
        lastReadError = (e as Error).message;
        throw new FS.ErrnoError(EIO);
      }
    },
  };
  opened = { file: new H5File(name, 'r'), remote, h5: module as unknown as H5Reader };
  return { size: remote.size };
}

interface EmscriptenFS {
  createFile(
    parent: string,
    name: string,
    props: object,
    read: boolean,
    write: boolean,
  ): {
    stream_ops: Record<string, unknown>;
  };
  ErrnoError: new (errno: number) => Error;
}

function handle(call: Call): unknown {
  if (call.method === 'stats')
    return opened
      ? { requests: opened.remote.requests, bytes: opened.remote.bytesFetched, size: opened.remote.size }
      : null;
  if (!opened) throw new Error('No file is open');
  const { file, h5 } = opened;
  switch (call.method) {
    case 'getEntity':
      return entityOf(h5, file.file_id, call.path);
    case 'getValue': {
      const d = new Dataset(file.file_id, call.path);
      if (!call.selection) return d.value;
      const ranges = call.selection
        .split(',')
        .map((s, i) => (s === ':' ? [0, d.shape![i]!] : [Number(s), Number(s) + 1]));
      return d.slice(ranges as [number, number][]);
    }
    case 'getAttrValues':
      return Object.fromEntries(
        call.names.map((n) => [n, new Attribute(file.file_id, call.path, n).json_value]),
      );
    case 'getSearchablePaths':
      return h5
        .get_names(file.file_id, call.path, true)
        .map((p) => `${call.path === '/' ? '' : call.path}/${p}`);
    default:
      throw new Error('Unknown call');
  }
}

scope.onmessage = async (e) => {
  const { id, call } = e.data;
  try {
    lastReadError = undefined;
    const result = call.method === 'open' ? await open(call.url) : handle(call);
    const transfer = ArrayBuffer.isView(result) ? [result.buffer] : [];
    scope.postMessage({ id, result }, transfer);
  } catch (err) {
    scope.postMessage({ id, error: lastReadError ?? (err as Error).message ?? String(err) });
  }
};
