import { api } from '../../api/endpoints.ts';
import { usePagedList } from '../../api/hooks.ts';
import { FilterBar } from '../../components/FilterBar.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useSearchFilters } from '../../components/useSearchFilters.ts';
import { DatasetCard } from './DatasetCard.tsx';
import { TechniqueSelect } from './TechniqueSelect.tsx';

const KEYS = ['q', 'instrument', 'technique', 'session', 'proposal'] as const;

export function DatasetsPage() {
  useDocumentTitle('Datasets');
  const [f, setFilters] = useSearchFilters(KEYS);
  const list = usePagedList(
    (cursor, signal) => api.datasets({ limit: 25, cursor, count: cursor ? undefined : true, ...f }, signal),
    [f.q, f.instrument, f.technique, f.session, f.proposal],
  );
  const filtered = Object.values(f).some(Boolean);

  return (
    <>
      <header className="page-header">
        <h1>Datasets</h1>
        <p className="lead">Measured data with its parameters and files, newest first.</p>
      </header>
      <FilterBar q={f.q} instrument={f.instrument} onChange={setFilters} placeholder="Name, title or DOI">
        <TechniqueSelect value={f.technique} onChange={(technique) => setFilters({ technique })} />
      </FilterBar>
      {(f.session || f.proposal) && (
        <p className="chip-line">
          {f.session && (
            <>
              Session <span className="chip mono">{f.session}</span>
            </>
          )}
          {f.proposal && (
            <>
              Proposal <span className="chip mono">{f.proposal}</span>
            </>
          )}
          <button
            type="button"
            className="link-button"
            onClick={() => setFilters({ session: '', proposal: '' })}
          >
            Clear
          </button>
        </p>
      )}
      {list.loading ? (
        <Loading label="Loading datasets…" />
      ) : list.error ? (
        <ErrorMessage error={list.error} what="list" />
      ) : list.items.length === 0 ? (
        <EmptyState title={filtered ? 'No datasets match these filters.' : 'No datasets to show yet.'}>
          {filtered && <p>Try a shorter search, another instrument or technique.</p>}
        </EmptyState>
      ) : (
        <ul className="card-list" data-testid="dataset-list" aria-label="Datasets">
          {list.items.map((d) => (
            <DatasetCard key={d.pid} dataset={d} />
          ))}
        </ul>
      )}
      <LoadMore list={list} noun="dataset" />
    </>
  );
}
