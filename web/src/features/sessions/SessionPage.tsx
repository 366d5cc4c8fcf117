import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api/endpoints.ts';
import { usePagedList, useResource } from '../../api/hooks.ts';
import type { Session } from '../../api/types.ts';
import { Facts } from '../../components/Facts.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { ReleaseBadge } from '../../components/ReleaseBadge.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { formatDate, formatDateTime, roleLabel } from '../../components/format.ts';
import { orcidUrl, proposalPath, sessionPath } from '../../components/paths.ts';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { DatasetCard } from '../datasets/DatasetCard.tsx';
import { SessionPolicy } from '../policy/SessionPolicy.tsx';
import { Table } from '../../components/Table.tsx';
import { SessionContainers } from './SessionContainers.tsx';

export function SessionPage() {
  const id = useParams().id ?? '';
  // Bumped when an embargo request is decided here: the release date or public state may change.
  const [version, setVersion] = useState(0);
  const session = useResource((signal) => api.session(id, signal), [id, version]);
  useDocumentTitle(session.data?.title ?? id, 'Sessions');

  if (session.error) return <ErrorMessage error={session.error} what="session" />;
  if (!session.data) return <Loading label="Loading session…" />;
  const s = session.data;

  return (
    <article className="record" data-testid="session-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/sessions">Sessions</Link> / <span className="mono">{s.id}</span>
      </nav>
      <header className="page-header">
        <h1 data-testid="session-title">{s.title}</h1>
        <div className="header-badges">
          <ReleaseBadge isPublic={s.isPublic} license={s.license} releaseDate={s.releaseDate} />
        </div>
      </header>
      <p>
        <Link to={`${sessionPath(s.id)}/logbook`} className="button" data-testid="logbook-link">
          Open the logbook
        </Link>
      </p>
      <Facts
        testId="session-facts"
        items={[
          ['Session', <span className="mono">{s.id}</span>],
          ['Proposal', <Link to={proposalPath(s.proposalId)}>{s.proposalId}</Link>],
          [
            'Instrument',
            <Link to={`/sessions?instrument=${encodeURIComponent(s.instrumentId)}`}>{s.instrumentId}</Link>,
          ],
          ['Start', formatDateTime(s.start)],
          ['End', formatDateTime(s.end)],
          [
            s.isPublic ? 'Public since' : 'Embargoed until',
            formatDate(s.isPublic ? (s.releasedAt ?? s.releaseDate) : s.releaseDate),
          ],
          ['Licence', s.license],
          ['DOI', s.doi && <a href={`https://doi.org/${s.doi}`}>{s.doi}</a>],
        ]}
      />
      <SessionPolicy session={s} onChange={() => setVersion((v) => v + 1)} />
      <Members session={s} />
      <Samples sessionId={s.id} />
      <SessionDatasets sessionId={s.id} />
      <SessionContainers sessionId={s.id} />
    </article>
  );
}

function Members({ session }: { session: Session }) {
  return (
    <section aria-labelledby="members-title" className="section">
      <h2 id="members-title">Experimenters</h2>
      {session.members.length === 0 ? (
        <EmptyState title="No experimenters are recorded for this session." />
      ) : (
        <Table columns={['Name', 'Role', 'Affiliation', 'ORCID']} testId="members-table">
          {session.members.map((m) => (
            <tr key={m.username}>
              <td>{m.fullName ?? m.username}</td>
              <td>{roleLabel(m.role)}</td>
              <td>{m.affiliation ?? <span className="muted">—</span>}</td>
              <td>
                {m.orcid ? (
                  <a href={orcidUrl(m.orcid)} className="orcid" rel="noopener noreferrer" target="_blank">
                    {m.orcid}
                    <span className="visually-hidden"> (ORCID profile, opens in a new tab)</span>
                  </a>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

function Samples({ sessionId }: { sessionId: string }) {
  const samples = useResource(
    (signal) => api.samples({ session: sessionId, limit: 200 }, signal),
    [sessionId],
  );
  if (samples.loading || samples.error || !samples.data?.items.length) return null;
  return (
    <section aria-labelledby="samples-title" className="section">
      <h2 id="samples-title">Samples</h2>
      <ul className="sample-list" data-testid="sample-list">
        {samples.data.items.map((s) => (
          <li key={s.id}>
            <strong>{s.name}</strong> <span className="muted mono small">{s.key}</span>
            {s.description && <span className="muted"> · {s.description}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function SessionDatasets({ sessionId }: { sessionId: string }) {
  const list = usePagedList(
    (cursor, signal) =>
      api.datasets({ session: sessionId, limit: 25, cursor, count: cursor ? undefined : true }, signal),
    [sessionId],
  );
  return (
    <section aria-labelledby="datasets-title" className="section">
      <h2 id="datasets-title">Datasets</h2>
      {list.loading ? (
        <Loading label="Loading datasets…" />
      ) : list.error ? (
        <ErrorMessage error={list.error} what="list" />
      ) : list.items.length === 0 ? (
        <EmptyState title="No datasets have been registered for this session yet." />
      ) : (
        <ul className="card-list" data-testid="dataset-list" aria-label="Datasets of this session">
          {list.items.map((d) => (
            <DatasetCard key={d.pid} dataset={d} compact />
          ))}
        </ul>
      )}
      <LoadMore list={list} noun="dataset" />
    </section>
  );
}
