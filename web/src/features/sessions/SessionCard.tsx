import { Link } from 'react-router';
import type { Session } from '../../api/types.ts';
import { ReleaseBadge } from '../../components/ReleaseBadge.tsx';
import { formatDateRange, plural } from '../../components/format.ts';
import { sessionPath } from '../../components/paths.ts';

/** One beamtime in a list: title, where and when, and whether its data is open. */
export function SessionCard({ session: s }: { session: Session }) {
  const pi = s.members.find((m) => m.role === 'principal_investigator');
  return (
    <li className="card" data-testid="session-row" data-session-id={s.id}>
      <div className="card-head">
        <h3 className="card-title">
          <Link to={sessionPath(s.id)}>{s.title}</Link>
        </h3>
        <ReleaseBadge isPublic={s.isPublic} license={s.license} releaseDate={s.releaseDate} />
      </div>
      <p className="card-meta">
        <span className="mono">{s.id}</span>
        <span>{s.instrumentId}</span>
        <span>{formatDateRange(s.start, s.end)}</span>
        {pi && <span>PI {pi.fullName ?? pi.username}</span>}
        <span>{plural(s.datasetCount, 'dataset')}</span>
      </p>
    </li>
  );
}
