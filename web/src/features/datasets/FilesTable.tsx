import { useEffect, useState } from 'react';
import { api } from '../../api/endpoints.ts';
import type { Datafile } from '../../api/types.ts';
import { usePagedList } from '../../api/hooks.ts';
import { LoadMore } from '../../components/LoadMore.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { formatBytes } from '../../components/format.ts';
import { isHdf5Name } from './Hdf5Preview.tsx';
import { DownloadLink } from './DownloadLink.tsx';

const STATE_LABELS: Record<string, string> = {
  online: 'Online',
  archived: 'On tape',
  archiving: 'Archiving',
  offline: 'On tape only',
  restoring: 'Restoring',
};
/** States whose bytes are not on disk: a download first restores them (202). */
const ON_TAPE = new Set(['offline', 'restoring']);

/** The bytes of one file: the browser saves it under its own name (Content-Disposition). */
export const fileContentUrl = (id: number) => `/api/datafiles/${id}/content`;

/**
 * The dataset's files with size, checksum, where they are (disk or tape), a download link and, for
 * HDF5/NeXus files, a button that shows the file in the preview. The first HDF5 file loaded is
 * offered to the preview (`onPreview`) until the user picks one.
 */
export function FilesTable({
  pid,
  previewId,
  onPreview,
}: {
  pid: string;
  previewId?: number;
  onPreview?: (f: Datafile | null) => void;
}) {
  const list = usePagedList(
    (cursor, signal) =>
      api.datasetFiles(pid, { limit: 100, cursor, count: cursor ? undefined : true }, signal),
    [pid],
  );
  const firstHdf5 = list.items.find((f) => isHdf5Name(f.path)) ?? null;
  useEffect(() => {
    if (!list.loading && previewId === undefined) onPreview?.(firstHdf5);
  }, [list.loading, firstHdf5, previewId, onPreview]);
  if (list.loading) return <Loading label="Loading files…" />;
  if (list.error) return <ErrorMessage error={list.error} what="file list" />;
  if (list.items.length === 0) return <EmptyState title="This dataset has no files." />;
  return (
    <>
      <div className="table-wrap">
        <table className="table" data-testid="files-table">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">SHA-256</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((f) => (
              <tr key={f.id} data-testid="file-row">
                <td className="mono path">{f.path}</td>
                <td className="num" title={`${f.size.toLocaleString('en-GB')} bytes`}>
                  {formatBytes(f.size)}
                </td>
                <td className="nowrap">
                  {f.sha256 ? <Checksum sha256={f.sha256} /> : <span className="muted">not computed</span>}
                </td>
                <td>
                  <span className={`state state-${f.state}`}>{STATE_LABELS[f.state] ?? f.state}</span>
                </td>
                <td className="nowrap actions">
                  <DownloadLink
                    href={fileContentUrl(f.id)}
                    onTape={ON_TAPE.has(f.state)}
                    label="Download"
                    testId="file-download"
                    ariaLabel={`Download ${f.path}`}
                    title={ON_TAPE.has(f.state) ? 'On tape: restored first, then downloaded' : undefined}
                  />
                  {onPreview && isHdf5Name(f.path) && (
                    <button
                      type="button"
                      className="button button-small"
                      aria-pressed={previewId === f.id}
                      onClick={() => onPreview(f)}
                      aria-label={`Preview ${f.path}`}
                    >
                      Preview
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore list={list} noun="file" />
    </>
  );
}

/** First 12 hex digits, full value on hover and one click to copy it for `sha256sum -c`. */
function Checksum({ sha256 }: { sha256: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(sha256);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard access can be refused (non-secure origin); the full value is still in the title.
    }
  };
  return (
    <span className="checksum">
      <code title={sha256}>{sha256.slice(0, 12)}…</code>
      <button
        type="button"
        className="link-button small"
        onClick={copy}
        aria-label={`Copy SHA-256 ${sha256}`}
      >
        {copied ? 'copied' : 'copy'}
      </button>
    </span>
  );
}
