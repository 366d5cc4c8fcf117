import { useId } from 'react';
import { api } from '../../api/endpoints.ts';
import { useResource } from '../../api/hooks.ts';

/** PaNET technique filter, offering only techniques the facility's instruments provide. */
export function TechniqueSelect({ value, onChange }: { value: string; onChange(id: string): void }) {
  const id = useId();
  const instruments = useResource((signal) => api.instruments({ limit: 1000 }, signal), []);
  const techniques = new Map<string, string>();
  for (const i of instruments.data?.items ?? []) for (const t of i.techniques) techniques.set(t.id, t.name);
  return (
    <div className="field">
      <label htmlFor={id}>Technique</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} data-testid="filter-technique">
        <option value="">All techniques</option>
        {[...techniques]
          .sort((a, b) => a[1].localeCompare(b[1]))
          .map(([tid, name]) => (
            <option key={tid} value={tid}>
              {name}
            </option>
          ))}
      </select>
    </div>
  );
}
