import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Datafile } from '../../api/types.ts';
import { api } from '../../api/endpoints.ts';
import { useResource } from '../../api/hooks.ts';
import { Facts } from '../../components/Facts.tsx';
import { ReleaseBadge } from '../../components/ReleaseBadge.tsx';
import { ErrorMessage, Loading } from '../../components/States.tsx';
import { formatBytes, formatDateTime, plural } from '../../components/format.ts';
import { proposalPath, sessionPath } from '../../components/paths.ts';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { DownloadLink } from './DownloadLink.tsx';
import { FilesTable } from './FilesTable.tsx';
import { Hdf5Preview } from './Hdf5Preview.tsx';
import { ParametersTable } from './ParametersTable.tsx';

export function DatasetPage() {
  const pid = useParams().pid ?? '';
  const dataset = useResource((signal) => api.dataset(pid, signal), [pid]);
  const d = dataset.data;
  // The session gives the release date for the badge and a readable title for the link.
  const session = useResource(
    (signal) => (d ? api.session(d.sessionId, signal) : Promise.resolve(undefined)),
    [d?.sessionId],
  );
  useDocumentTitle(d?.title ?? d?.name ?? pid, 'Datasets');
  // undefined until the file list has loaded and offered its first HDF5 file (or none).
  const [preview, setPreview] = useState<Datafile | null | undefined>(undefined);

  if (dataset.error) return <ErrorMessage error={dataset.error} what="dataset" />;
  if (!d) return <Loading label="Loading dataset…" />;
  const s = session.data;
  const nexus = (d.metadata?.nexus ?? {}) as NexusSummary;

  return (
    <article className="record" data-testid="dataset-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/datasets">Datasets</Link> / <Link to={sessionPath(d.sessionId)}>{d.sessionId}</Link> /{' '}
        <span>{d.name}</span>
      </nav>
      <header className="page-header">
        <h1 data-testid="dataset-title">{d.title ?? d.name}</h1>
        <div className="header-badges">
          <ReleaseBadge isPublic={d.isPublic} license={d.license} releaseDate={s?.releaseDate} />
        </div>
      </header>
      <Facts
        testId="dataset-facts"
        items={[
          ['PID', <code data-testid="dataset-pid">{d.pid}</code>],
          ['Name', <span className="mono">{d.name}</span>],
          [
            'Session',
            <Link to={sessionPath(d.sessionId)} data-testid="dataset-session-link">
              {s ? s.title : d.sessionId}
            </Link>,
          ],
          ['Proposal', <Link to={proposalPath(d.proposalId)}>{d.proposalId}</Link>],
          ['Instrument', d.instrumentId],
          ['Sample', d.sample?.name],
          [
            'Techniques',
            d.techniques.length > 0 && (
              <span className="chips">
                {d.techniques.map((t) => (
                  <Link
                    key={t.id}
                    className="chip"
                    to={`/datasets?technique=${encodeURIComponent(t.id)}`}
                    title={t.id}
                  >
                    {t.name}
                  </Link>
                ))}
              </span>
            ),
          ],
          ['Start', nexus.startTime && formatDateTime(nexus.startTime)],
          ['End', nexus.endTime && formatDateTime(nexus.endTime)],
          ['Instrument in files', nexus.instruments?.length ? nexus.instruments.join(', ') : null],
          [
            'NeXus definition',
            nexus.definitions?.length ? <span className="mono">{nexus.definitions.join(', ')}</span> : null,
          ],
          ['Size', `${plural(d.fileCount, 'file')}, ${formatBytes(d.size)}`],
          ['Registered', formatDateTime(d.createdAt)],
          ['Licence', d.license],
        ]}
      />
      <section aria-labelledby="parameters-title" className="section">
        <h2 id="parameters-title">Parameters</h2>
        <ParametersTable parameters={d.parameters} />
      </section>
      <section aria-labelledby="files-title" className="section">
        <div className="section-head">
          <h2 id="files-title">Files</h2>
          {d.fileCount > 0 && (
            <DownloadLink
              href={`/api/datasets/${encodeURIComponent(d.pid)}/download`}
              onTape={(d.filesOnTape ?? 0) > 0}
              label="Download all (zip)"
              testId="dataset-download-zip"
            />
          )}
        </div>
        <FilesTable pid={d.pid} previewId={preview?.id} onPreview={setPreview} />
      </section>
      <section aria-labelledby="preview-title" className="section" data-testid="hdf5-preview">
        <h2 id="preview-title">HDF5 preview</h2>
        {preview === undefined ? <Loading label="Loading files…" /> : <Hdf5Preview file={preview} />}
      </section>
    </article>
  );
}

/** What ingest derives from the dataset's NeXus files (src/ingest/dataset.ts). */
interface NexusSummary {
  startTime?: string;
  endTime?: string;
  instruments?: string[];
  definitions?: string[];
}
