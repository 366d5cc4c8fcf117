import { useEffect, useId, useState, type FormEvent } from 'react';
import { CATEGORIES, KINDS, type EventFilter } from '../../api/logbook.ts';

interface Props {
  filter: Required<EventFilter>;
  onChange(patch: Partial<EventFilter>): void;
}

/** Kind and category apply at once; tag and search text on submit. All live in the URL. */
export function LogbookFilters({ filter, onChange }: Props) {
  const id = useId();
  const [q, setQ] = useState(filter.q);
  const [tag, setTag] = useState(filter.tag);
  useEffect(() => setQ(filter.q), [filter.q]);
  useEffect(() => setTag(filter.tag), [filter.tag]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange({ q: q.trim(), tag: tag.trim() });
  };
  return (
    <form className="filter-bar" role="search" onSubmit={submit} data-testid="logbook-filters">
      <div className="field field-grow">
        <label htmlFor={`${id}-q`}>Search the logbook</label>
        <input
          id={`${id}-q`}
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="words, e.g. detector timeout"
          data-testid="logbook-q"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select
          id={`${id}-kind`}
          value={filter.kind}
          onChange={(e) => onChange({ kind: e.target.value, q: q.trim(), tag: tag.trim() })}
          data-testid="logbook-kind"
        >
          <option value="">All kinds</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-category`}>Category</label>
        <select
          id={`${id}-category`}
          value={filter.category}
          onChange={(e) => onChange({ category: e.target.value, q: q.trim(), tag: tag.trim() })}
          data-testid="logbook-category"
        >
          <option value="">All categories</option>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-tag`}>Tag</label>
        <input
          id={`${id}-tag`}
          value={tag}
          onChange={(e) => setTag(e.target.value)}
          data-testid="logbook-tag"
        />
      </div>
      <div className="field field-action">
        <button type="submit" className="button button-primary">
          Apply
        </button>
      </div>
    </form>
  );
}
