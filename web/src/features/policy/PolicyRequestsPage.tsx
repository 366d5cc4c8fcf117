import { useState } from 'react';
import { useAuth } from '../../api/auth.tsx';
import { api } from '../../api/endpoints.ts';
import { useResource } from '../../api/hooks.ts';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { RequestsTable } from './RequestsTable.tsx';
import { decidesRequests } from './labels.ts';

/** The data managers' queue: pending embargo requests across sessions, decided in place. */
export function PolicyRequestsPage() {
  useDocumentTitle('Embargo requests');
  const { me } = useAuth();
  const [version, setVersion] = useState(0);
  const list = useResource((signal) => api.policyRequests({ status: 'pending' }, signal), [version]);
  return (
    <section className="record" data-testid="policy-requests-page">
      <header className="page-header">
        <h1>Pending embargo requests</h1>
      </header>
      {list.error ? (
        <ErrorMessage error={list.error} what="list" />
      ) : !list.data ? (
        <Loading label="Loading requests…" />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No requests are waiting for a decision." />
      ) : (
        <RequestsTable
          requests={list.data.items}
          canDecide={me?.kind === 'user' && decidesRequests(me.role)}
          showSession
          onDecided={() => setVersion((v) => v + 1)}
        />
      )}
    </section>
  );
}
