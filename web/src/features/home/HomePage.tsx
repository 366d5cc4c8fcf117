import { useId, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { displayName, useAuth } from '../../api/auth.tsx';
import { api } from '../../api/endpoints.ts';
import { useResource } from '../../api/hooks.ts';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { formatCount } from '../../components/format.ts';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { DatasetCard } from '../datasets/DatasetCard.tsx';
import { SessionCard } from '../sessions/SessionCard.tsx';

export function HomePage() {
  useDocumentTitle();
  const { me } = useAuth();
  const name = displayName(me);
  return (
    <>
      <section className="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">
          {name ? `Welcome back, ${name.split(' ')[0]}` : 'Data from the beamlines, open to all'}
        </h1>
        <p className="lead">
          Browse experimental sessions, datasets and their parameters. Data becomes public under an open
          licence when its embargo ends; experimenters can log in to see their own data before then.
        </p>
        <QuickSearch />
      </section>
      <Counts />
      {me?.kind === 'user' && <EmbargoedForYou />}
      <RecentPublicDatasets />
    </>
  );
}

function QuickSearch() {
  const id = useId();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(q.trim() ? `/datasets?q=${encodeURIComponent(q.trim())}` : '/datasets');
  };
  return (
    <form className="quick-search" role="search" onSubmit={submit} data-testid="quick-search">
      <label htmlFor={id} className="visually-hidden">
        Search datasets
      </label>
      <input
        id={id}
        type="search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        placeholder="Search datasets by name, title or DOI"
      />
      <button type="submit" className="button button-primary">
        Search
      </button>
    </form>
  );
}

function Counts() {
  const counts = useResource(async (signal) => {
    const [sessions, datasets, instruments] = await Promise.all([
      api.sessions({ limit: 1, count: true }, signal),
      api.datasets({ limit: 1, count: true }, signal),
      api.instruments({ limit: 1000 }, signal),
    ]);
    return {
      sessions: sessions.total ?? 0,
      datasets: datasets.total ?? 0,
      instruments: instruments.items.length,
    };
  }, []);
  const c = counts.data;
  return (
    <section aria-label="The facility in numbers" className="stats" data-testid="counts">
      <Stat to="/sessions" n={c?.sessions} label="sessions" testId="count-sessions" />
      <Stat to="/datasets" n={c?.datasets} label="datasets" testId="count-datasets" />
      <Stat to="/instruments" n={c?.instruments} label="instruments" testId="count-instruments" />
      <p className="stats-note muted small">Counts include only what is visible to you.</p>
    </section>
  );
}

function Stat({
  to,
  n,
  label,
  testId,
}: {
  to: string;
  n: number | undefined;
  label: string;
  testId: string;
}) {
  return (
    <Link to={to} className="stat" data-testid={testId}>
      <span className="stat-n">{n === undefined ? '…' : formatCount(n)}</span>
      <span className="stat-label">{label}</span>
    </Link>
  );
}

function EmbargoedForYou() {
  const sessions = useResource((signal) => api.sessions({ public: false, limit: 3 }, signal), []);
  if (!sessions.data || sessions.data.items.length === 0) return null;
  return (
    <section aria-labelledby="yours-title" className="section">
      <div className="section-head">
        <h2 id="yours-title">Under embargo, visible to you</h2>
        <Link to="/sessions">All sessions →</Link>
      </div>
      <ul className="card-list">
        {sessions.data.items.map((s) => (
          <SessionCard key={s.id} session={s} />
        ))}
      </ul>
    </section>
  );
}

function RecentPublicDatasets() {
  // The API has no "public only" filter for datasets; the newest page filtered here is enough for a teaser.
  const recent = useResource((signal) => api.datasets({ limit: 30 }, signal), []);
  const items = recent.data?.items.filter((d) => d.isPublic).slice(0, 5) ?? [];
  return (
    <section aria-labelledby="recent-title" className="section">
      <div className="section-head">
        <h2 id="recent-title">Recent public datasets</h2>
        <Link to="/datasets">All datasets →</Link>
      </div>
      {recent.loading ? (
        <Loading label="Loading datasets…" />
      ) : recent.error ? (
        <ErrorMessage error={recent.error} what="list" />
      ) : items.length === 0 ? (
        <EmptyState title="No public datasets yet." />
      ) : (
        <ul className="card-list" data-testid="recent-datasets">
          {items.map((d) => (
            <DatasetCard key={d.pid} dataset={d} />
          ))}
        </ul>
      )}
    </section>
  );
}
