import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { countDatasets, searchDatasets, type PanoscDataset, type PanoscSearch } from '../../api/panosc.ts';
import { usePagedList } from '../../api/hooks.ts';
import { LoadMore } from '../../components/LoadMore.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { formatBytes, formatDate } from '../../components/format.ts';
import { datasetPath } from '../../components/paths.ts';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useSearchFilters } from '../../components/useSearchFilters.ts';
import { TechniqueSelect } from '../datasets/TechniqueSelect.tsx';

const KEYS = ['q', 'technique', 'param', 'min', 'max', 'unit'] as const;
const PAGE = 20;
// Names PaNOSC portals commonly search by; any other parameter name can be typed.
const PARAMETER_NAMES = [
  'photon_energy',
  'wavelength',
  'temperature',
  'pressure',
  'magnetic_field',
  'sample_state',
];

/**
 * Search of public data through the PaNOSC search API (the same one other facilities' portals use):
 * free text ranked by score, a technique with its PaNET sub-techniques, a parameter range in any unit.
 */
export function SearchPage() {
  useDocumentTitle('Search');
  const [f, setFilters] = useSearchFilters(KEYS);
  const search: PanoscSearch = {
    text: f.q,
    technique: f.technique,
    parameter: { name: f.param, min: f.min, max: f.max, unit: f.unit },
  };
  const list = usePagedList(
    async (cursor, signal) => {
      const skip = Number(cursor ?? 0);
      const [items, total] = await Promise.all([
        searchDatasets(search, { limit: PAGE, skip }, signal),
        skip === 0 ? countDatasets(search, signal).then((c) => c.count) : undefined,
      ]);
      return { items, total, next: items.length === PAGE ? String(skip + PAGE) : null };
    },
    [f.q, f.technique, f.param, f.min, f.max, f.unit],
  );
  const filtered = Object.values(f).some(Boolean);

  return (
    <>
      <header className="page-header">
        <h1>Search public data</h1>
        <p className="lead">
          Free text, techniques (with their sub-techniques) and parameter ranges in any unit, through the{' '}
          <a href="/panosc/api/datasets">PaNOSC search API</a>.
        </p>
      </header>
      <SearchForm values={f} onSubmit={setFilters} />
      {list.loading ? (
        <Loading label="Searching…" />
      ) : list.error ? (
        <ErrorMessage error={list.error} what="search" />
      ) : list.items.length === 0 ? (
        <EmptyState title={filtered ? 'No public datasets match this search.' : 'No public datasets yet.'}>
          {filtered && <p>Try fewer words, a broader technique or a wider range.</p>}
        </EmptyState>
      ) : (
        <ul className="card-list" data-testid="search-results" aria-label="Search results">
          {list.items.map((d) => (
            <Result key={d.pid} dataset={d} />
          ))}
        </ul>
      )}
      <LoadMore list={list} noun="dataset" />
    </>
  );
}

type Values = Record<(typeof KEYS)[number], string>;

function SearchForm({ values, onSubmit }: { values: Values; onSubmit(v: Values): void }) {
  const id = useId();
  const [v, setV] = useState(values);
  useEffect(() => setV(values), [values]);
  const set = (patch: Partial<Values>) => setV((old) => ({ ...old, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(v);
  };
  const input = (key: keyof Values, label: string, extra: Record<string, string> = {}) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        value={v[key]}
        onChange={(e) => set({ [key]: e.target.value })}
        data-testid={`search-${key}`}
        {...extra}
      />
    </div>
  );
  return (
    <form className="filter-bar" role="search" onSubmit={submit} data-testid="search-form">
      <div className="field field-grow">
        <label htmlFor={`${id}-q`}>Search</label>
        <input
          id={`${id}-q`}
          type="search"
          value={v.q}
          placeholder="Words in titles, proposals, samples, parameters"
          onChange={(e) => set({ q: e.target.value })}
          data-testid="search-q"
        />
      </div>
      <TechniqueSelect value={v.technique} onChange={(technique) => set({ technique })} />
      {input('param', 'Parameter', { list: `${id}-names`, placeholder: 'photon_energy' })}
      <datalist id={`${id}-names`}>
        {PARAMETER_NAMES.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {input('min', 'From', { inputMode: 'decimal', size: '8' })}
      {input('max', 'To', { inputMode: 'decimal', size: '8' })}
      {input('unit', 'Unit', { placeholder: 'eV, K, °C, nm', size: '6' })}
      <div className="field field-action">
        <button type="submit" className="button button-primary">
          Search
        </button>
      </div>
    </form>
  );
}

function Result({ dataset: d }: { dataset: PanoscDataset }) {
  return (
    <li className="card" data-testid="search-result" data-pid={d.pid}>
      <div className="card-head">
        <h3 className="card-title">
          <Link to={datasetPath(d.pid)}>{d.title}</Link>
        </h3>
        {d.score !== undefined && (
          <span
            className="muted small"
            data-testid="search-score"
            title="Relevance relative to the best match"
          >
            <meter min={0} max={1} value={d.score} /> {Math.round(d.score * 100)}%
          </span>
        )}
      </div>
      <p className="card-meta">
        <span className="mono">{d.pid}</span>
        {d.instrument && <span>{d.instrument.name}</span>}
        <span>{formatBytes(d.size)}</span>
        <span>{formatDate(d.creationDate)}</span>
      </p>
      {(d.techniques.length > 0 || d.parameters?.length > 0) && (
        <p className="chips">
          {d.techniques.map((t) => (
            <span key={t.pid} className="chip" title={t.pid}>
              {t.name}
            </span>
          ))}
          {d.parameters?.map((p, i) => (
            <span key={i} className="chip mono" data-testid="search-parameter">
              {p.name} = {String(p.value)}
              {p.unit ? ` ${p.unit}` : ''}
            </span>
          ))}
        </p>
      )}
    </li>
  );
}
