import { Link, useParams } from 'react-router';
import { api } from '../../api/endpoints.ts';
import { usePagedList, useResource } from '../../api/hooks.ts';
import { LoadMore } from '../../components/LoadMore.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { roleLabel } from '../../components/format.ts';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { SessionCard } from '../sessions/SessionCard.tsx';

export function ProposalPage() {
  const id = useParams().id ?? '';
  const proposal = useResource((signal) => api.proposal(id, signal), [id]);
  const sessions = usePagedList(
    (cursor, signal) => api.sessions({ proposal: id, limit: 25, cursor }, signal),
    [id],
  );
  useDocumentTitle(proposal.data?.title ?? id, 'Proposals');

  if (proposal.error) return <ErrorMessage error={proposal.error} what="proposal" />;
  if (!proposal.data) return <Loading label="Loading proposal…" />;
  const p = proposal.data;

  return (
    <article className="record" data-testid="proposal-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/proposals">Proposals</Link> / <span className="mono">{p.id}</span>
      </nav>
      <header className="page-header">
        <h1 data-testid="proposal-title">{p.title}</h1>
        <p className="muted mono">{p.id}</p>
      </header>
      {p.summary && <p className="summary">{p.summary}</p>}

      <section aria-labelledby="proposal-members" className="section">
        <h2 id="proposal-members">Team</h2>
        {p.members.length === 0 ? (
          <EmptyState title="No team members are recorded." />
        ) : (
          <ul className="people">
            {p.members.map((m) => (
              <li key={m.username}>
                <strong>{m.fullName ?? m.username}</strong> <span className="muted">{roleLabel(m.role)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="proposal-sessions" className="section">
        <h2 id="proposal-sessions">Sessions</h2>
        {sessions.loading ? (
          <Loading label="Loading sessions…" />
        ) : sessions.error ? (
          <ErrorMessage error={sessions.error} what="list" />
        ) : sessions.items.length === 0 ? (
          <EmptyState title="No sessions of this proposal are visible to you.">
            <p>Sessions under embargo are shown to their experimenters only.</p>
          </EmptyState>
        ) : (
          <ul className="card-list" data-testid="session-list" aria-label="Sessions of this proposal">
            {sessions.items.map((s) => (
              <SessionCard key={s.id} session={s} />
            ))}
          </ul>
        )}
        <LoadMore list={sessions} noun="session" />
      </section>
    </article>
  );
}
