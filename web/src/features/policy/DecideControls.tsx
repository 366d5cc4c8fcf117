import { useState } from 'react';
import { api } from '../../api/endpoints.ts';
import type { PolicyRequest } from '../../api/types.ts';

/** Approve or reject a pending request, with an optional note for the PI. */
export function DecideControls({ request, onDecided }: { request: PolicyRequest; onDecided: () => void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.decidePolicyRequest(request.id, decision, note.trim() || undefined);
      onDecided();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  const noteId = `decision-note-${request.id}`;
  return (
    <div className="decide" data-testid="decide-controls">
      <label htmlFor={noteId} className="visually-hidden">
        Note for request #{request.id}
      </label>
      <input
        id={noteId}
        placeholder="Note (optional)"
        value={note}
        maxLength={4000}
        onChange={(e) => setNote(e.target.value)}
      />
      <button
        type="button"
        className="button button-small button-primary"
        disabled={busy}
        onClick={() => decide('approve')}
      >
        Approve
      </button>
      <button type="button" className="button button-small" disabled={busy} onClick={() => decide('reject')}>
        Reject
      </button>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
