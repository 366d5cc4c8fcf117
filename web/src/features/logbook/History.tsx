import { useEffect, useState } from 'react';
import { logbookApi } from '../../api/logbook.ts';
import { useResource } from '../../api/hooks.ts';
import { ErrorMessage, Loading } from '../../components/States.tsx';
import { formatDateTime } from '../../components/format.ts';

/** Every revision of an event, and a word-level diff between any two of them (latest two first). */
export function History({ eventId, revision }: { eventId: string; revision: number }) {
  const revisions = useResource((signal) => logbookApi.revisions(eventId, signal), [eventId, revision]);
  const [from, setFrom] = useState(Math.max(1, revision - 1));
  const [to, setTo] = useState(revision);
  useEffect(() => {
    setFrom(Math.max(1, revision - 1));
    setTo(revision);
  }, [revision]);
  const diff = useResource((signal) => logbookApi.diff(eventId, from, to, signal), [eventId, from, to]);

  if (revisions.error) return <ErrorMessage error={revisions.error} what="history" />;
  if (!revisions.data) return <Loading label="Loading history…" />;
  const items = revisions.data.items;
  const choose = (value: number, set: (n: number) => void, label: string, testId: string) => (
    <label>
      <span className="small muted">{label} </span>
      <select value={value} onChange={(e) => set(Number(e.target.value))} data-testid={testId}>
        {items.map((r) => (
          <option key={r.revision} value={r.revision}>
            revision {r.revision}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section className="history" aria-label="History" data-testid="history">
      <ol className="history-list">
        {items.map((r) => (
          <li key={r.revision} data-testid="history-revision">
            <strong>Revision {r.revision}</strong>{' '}
            <span className="muted small">
              {r.author ?? 'unknown'} · {formatDateTime(r.at)}
              {r.deleted ? ' · deleted' : ''}
            </span>
          </li>
        ))}
      </ol>
      {items.length > 1 && (
        <>
          <div className="history-pick">
            {choose(from, setFrom, 'Compare', 'diff-from')}
            {choose(to, setTo, 'with', 'diff-to')}
          </div>
          {diff.error ? (
            <ErrorMessage error={diff.error} what="difference" />
          ) : !diff.data ? (
            <Loading label="Comparing…" />
          ) : (
            <p className="diff" data-testid="diff">
              {diff.data.parts.map((p, i) =>
                p.added ? (
                  <ins key={i}>{p.value}</ins>
                ) : p.removed ? (
                  <del key={i}>{p.value}</del>
                ) : (
                  <span key={i}>{p.value}</span>
                ),
              )}
            </p>
          )}
        </>
      )}
    </section>
  );
}
