import { Link } from 'react-router';
import { api } from '../../api/endpoints.ts';
import { usePagedList } from '../../api/hooks.ts';
import { FilterBar } from '../../components/FilterBar.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { plural, roleLabel } from '../../components/format.ts';
import { proposalPath } from '../../components/paths.ts';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useSearchFilters } from '../../components/useSearchFilters.ts';

const KEYS = ['q', 'instrument'] as const;

export function ProposalsPage() {
  useDocumentTitle('Proposals');
  const [f, setFilters] = useSearchFilters(KEYS);
  const list = usePagedList(
    (cursor, signal) =>
      api.proposals(
        { limit: 25, cursor, count: cursor ? undefined : true, q: f.q, instrument: f.instrument },
        signal,
      ),
    [f.q, f.instrument],
  );
  return (
    <>
      <header className="page-header">
        <h1>Proposals</h1>
        <p className="lead">Peer-reviewed research proposals and the beamtimes they were granted.</p>
      </header>
      <FilterBar q={f.q} instrument={f.instrument} onChange={setFilters} placeholder="Proposal id or title" />
      {list.loading ? (
        <Loading label="Loading proposals…" />
      ) : list.error ? (
        <ErrorMessage error={list.error} what="list" />
      ) : list.items.length === 0 ? (
        <EmptyState
          title={f.q || f.instrument ? 'No proposals match these filters.' : 'No proposals to show yet.'}
        />
      ) : (
        <ul className="card-list" data-testid="proposal-list" aria-label="Proposals">
          {list.items.map((p) => {
            const pi = p.members.find((m) => m.role === 'principal_investigator');
            return (
              <li key={p.id} className="card" data-testid="proposal-row">
                <div className="card-head">
                  <h3 className="card-title">
                    <Link to={proposalPath(p.id)}>{p.title}</Link>
                  </h3>
                </div>
                <p className="card-meta">
                  <span className="mono">{p.id}</span>
                  {pi && (
                    <span>
                      {roleLabel(pi.role)} {pi.fullName ?? pi.username}
                    </span>
                  )}
                  <span>{plural(p.sessions.length, 'session')} visible to you</span>
                </p>
                {p.summary && <p className="card-text">{p.summary}</p>}
              </li>
            );
          })}
        </ul>
      )}
      <LoadMore list={list} noun="proposal" />
    </>
  );
}
