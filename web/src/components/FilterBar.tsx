import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/endpoints.ts';
import { useResource } from '../api/hooks.ts';

interface Props {
  q: string;
  instrument: string;
  onChange(patch: { q?: string; instrument?: string }): void;
  placeholder?: string;
  /** Extra controls (checkboxes, selects) shown after the instrument select. */
  children?: ReactNode;
}

/** Free-text search (applied on submit) and an instrument select (applied at once). */
export function FilterBar({ q, instrument, onChange, placeholder = 'Search…', children }: Props) {
  const id = useId();
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const instruments = useResource((signal) => api.instruments({ limit: 1000 }, signal), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange({ q: text.trim() });
  };

  return (
    <form className="filter-bar" role="search" onSubmit={submit} data-testid="filter-bar">
      <div className="field field-grow">
        <label htmlFor={`${id}-q`}>Search</label>
        <input
          id={`${id}-q`}
          type="search"
          value={text}
          placeholder={placeholder}
          onChange={(e) => setText(e.target.value)}
          data-testid="filter-q"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-instrument`}>Instrument</label>
        <select
          id={`${id}-instrument`}
          value={instrument}
          onChange={(e) => onChange({ instrument: e.target.value, q: text.trim() })}
          data-testid="filter-instrument"
        >
          <option value="">All instruments</option>
          {instruments.data?.items.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
            </option>
          ))}
        </select>
      </div>
      {children}
      <div className="field field-action">
        <button type="submit" className="button button-primary">
          Search
        </button>
      </div>
    </form>
  );
}
