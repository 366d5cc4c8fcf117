import { api } from '../../api/endpoints.ts';
import { usePagedList } from '../../api/hooks.ts';
import { FilterBar } from '../../components/FilterBar.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useSearchFilters } from '../../components/useSearchFilters.ts';
import { SessionCard } from './SessionCard.tsx';

const KEYS = ['q', 'instrument', 'proposal', 'public'] as const;

export function SessionsPage() {
  useDocumentTitle('Sessions');
  const [f, setFilters] = useSearchFilters(KEYS);
  const list = usePagedList(
    (cursor, signal) =>
      api.sessions(
        {
          limit: 25,
          cursor,
          count: cursor ? undefined : true,
          q: f.q,
          instrument: f.instrument,
          proposal: f.proposal,
          public: f.public === 'true' ? true : undefined,
        },
        signal,
      ),
    [f.q, f.instrument, f.proposal, f.public],
  );
  const filtered = Boolean(f.q || f.instrument || f.proposal || f.public);

  return (
    <>
      <header className="page-header">
        <h1>Experimental sessions</h1>
        <p className="lead">
          Beamtimes at the facility, newest first. Embargoed sessions are listed only for their experimenters.
        </p>
      </header>
      <FilterBar
        q={f.q}
        instrument={f.instrument}
        onChange={setFilters}
        placeholder="Title, proposal or session id"
      >
        <div className="field field-check">
          <input
            id="sessions-public-only"
            type="checkbox"
            checked={f.public === 'true'}
            onChange={(e) => setFilters({ public: e.target.checked ? 'true' : '' })}
            data-testid="filter-public"
          />
          <label htmlFor="sessions-public-only">Public data only</label>
        </div>
      </FilterBar>
      {f.proposal && (
        <p className="chip-line">
          Proposal <span className="chip">{f.proposal}</span>
          <button type="button" className="link-button" onClick={() => setFilters({ proposal: '' })}>
            Show all proposals
          </button>
        </p>
      )}
      {list.loading ? (
        <Loading label="Loading sessions…" />
      ) : list.error ? (
        <ErrorMessage error={list.error} what="list" />
      ) : list.items.length === 0 ? (
        <EmptyState title={filtered ? 'No sessions match these filters.' : 'No sessions to show yet.'}>
          {filtered ? (
            <p>Try a shorter search or another instrument.</p>
          ) : (
            <p>Sessions appear here once they are imported from the user office.</p>
          )}
        </EmptyState>
      ) : (
        <ul className="card-list" data-testid="session-list" aria-label="Sessions">
          {list.items.map((s) => (
            <SessionCard key={s.id} session={s} />
          ))}
        </ul>
      )}
      <LoadMore list={list} noun="session" />
    </>
  );
}
