import { useState } from 'react';
import { isFacilityStaff, useAuth } from '../../api/auth.tsx';
import { api } from '../../api/endpoints.ts';
import { useResource } from '../../api/hooks.ts';
import type { Session } from '../../api/types.ts';
import { ErrorMessage, Loading } from '../../components/States.tsx';
import { formatDate } from '../../components/format.ts';
import { AskForm } from './AskForm.tsx';
import { RequestsTable } from './RequestsTable.tsx';
import { decidesRequests } from './labels.ts';

/**
 * The session's data policy: embargo or public state, licence, DOI and landing page, and for its
 * members and facility staff the history of embargo requests. The PI may ask for a change while
 * the session is embargoed; data managers decide pending requests here too.
 */
export function SessionPolicy({ session, onChange }: { session: Session; onChange: () => void }) {
  const { me } = useAuth();
  const member = session.members.find((m) => me?.kind === 'user' && m.username === me.username);
  const staff = isFacilityStaff(me);
  const [version, setVersion] = useState(0);
  const showRequests = Boolean(member) || staff;
  const requests = useResource(
    (signal) =>
      showRequests ? api.sessionPolicyRequests(session.id, signal) : Promise.resolve({ items: [] }),
    [session.id, showRequests, version],
  );
  const changed = () => {
    setVersion((v) => v + 1);
    onChange();
  };
  const pending = requests.data?.items.some((r) => r.status === 'pending');
  const canAsk = member?.role === 'principal_investigator' && !session.isPublic && requests.data && !pending;

  return (
    <section aria-labelledby="policy-title" className="section" data-testid="session-policy">
      <h2 id="policy-title">Data policy</h2>
      <p data-testid="policy-state">
        {session.isPublic ? (
          <>
            Public since {formatDate(session.releasedAt ?? session.releaseDate)}, under{' '}
            <a href="https://creativecommons.org/licenses/by/4.0/" rel="license noopener noreferrer">
              {session.license}
            </a>
            .
          </>
        ) : (
          <>
            Embargoed until <strong>{formatDate(session.releaseDate)}</strong>; then public under{' '}
            {session.license}.
          </>
        )}{' '}
        {session.doi && (
          <>
            DOI{' '}
            <a href={`https://doi.org/${session.doi}`} data-testid="policy-doi">
              {session.doi}
            </a>{' '}
            (<a href={`/doi/${session.doi}`}>landing page</a>).
          </>
        )}
      </p>
      {showRequests &&
        (requests.error ? (
          <ErrorMessage error={requests.error} what="list" />
        ) : !requests.data ? (
          <Loading label="Loading embargo requests…" />
        ) : requests.data.items.length === 0 ? (
          <p className="muted" data-testid="policy-no-requests">
            No embargo changes have been requested.
          </p>
        ) : (
          <RequestsTable
            requests={requests.data.items}
            canDecide={me?.kind === 'user' && decidesRequests(me.role)}
            onDecided={changed}
          />
        ))}
      {canAsk && <AskForm session={session} onAsked={changed} />}
    </section>
  );
}
