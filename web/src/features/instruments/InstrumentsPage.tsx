import { Link } from 'react-router';
import { api } from '../../api/endpoints.ts';
import { usePagedList } from '../../api/hooks.ts';
import { LoadMore } from '../../components/LoadMore.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';

export function InstrumentsPage() {
  useDocumentTitle('Instruments');
  const list = usePagedList((cursor, signal) => api.instruments({ limit: 100, cursor }, signal), []);
  return (
    <>
      <header className="page-header">
        <h1>Instruments</h1>
        <p className="lead">The beamlines and instruments of the facility and the techniques they offer.</p>
      </header>
      {list.loading ? (
        <Loading label="Loading instruments…" />
      ) : list.error ? (
        <ErrorMessage error={list.error} what="list" />
      ) : list.items.length === 0 ? (
        <EmptyState title="No instruments are registered yet." />
      ) : (
        <ul className="grid" data-testid="instrument-list" aria-label="Instruments">
          {list.items.map((i) => (
            <li key={i.id} className="card instrument" data-testid="instrument-card">
              <h3 className="card-title">{i.name}</h3>
              <p className="muted small">
                <span className="mono">{i.id}</span> · {i.facility}
              </p>
              {i.techniques.length > 0 && (
                <p className="chips" aria-label="Techniques">
                  {i.techniques.map((t) => (
                    <span key={t.id} className="chip" title={t.id}>
                      {t.name}
                    </span>
                  ))}
                </p>
              )}
              <p className="card-links">
                <Link to={`/sessions?instrument=${encodeURIComponent(i.id)}`}>Sessions</Link>
                <Link to={`/datasets?instrument=${encodeURIComponent(i.id)}`}>Datasets</Link>
              </p>
            </li>
          ))}
        </ul>
      )}
      <LoadMore list={list} noun="instrument" />
    </>
  );
}
