import { Link } from 'react-router';
import type { Dataset } from '../../api/types.ts';
import { ReleaseBadge } from '../../components/ReleaseBadge.tsx';
import { formatBytes, formatDate, plural } from '../../components/format.ts';
import { datasetPath } from '../../components/paths.ts';

/** One dataset in a list; `compact` leaves out the session (when listed on its session's page). */
export function DatasetCard({ dataset: d, compact = false }: { dataset: Dataset; compact?: boolean }) {
  return (
    <li className="card" data-testid="dataset-row" data-pid={d.pid}>
      <div className="card-head">
        <h3 className="card-title">
          <Link to={datasetPath(d.pid)}>{d.title ?? d.name}</Link>
        </h3>
        <ReleaseBadge isPublic={d.isPublic} license={d.license} />
      </div>
      <p className="card-meta">
        <span className="mono">{d.pid}</span>
        {!compact && <span>{d.instrumentId}</span>}
        {!compact && <span className="mono">{d.sessionId}</span>}
        {d.sample && <span>Sample {d.sample.name}</span>}
        <span>
          {plural(d.fileCount, 'file')}, {formatBytes(d.size)}
        </span>
        <span>{formatDate(d.createdAt)}</span>
      </p>
      {d.techniques.length > 0 && (
        <p className="chips" aria-label="Techniques">
          {d.techniques.map((t) => (
            <span key={t.id} className="chip" title={t.id}>
              {t.name}
            </span>
          ))}
        </p>
      )}
    </li>
  );
}
