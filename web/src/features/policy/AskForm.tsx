import { useState, type FormEvent } from 'react';
import { api } from '../../api/endpoints.ts';
import type { PolicyRequest, Session } from '../../api/types.ts';
import { RadioChoices } from '../../components/RadioChoices.tsx';

/** The PI's form: ask for a later release date, or for release now. */
export function AskForm({ session, onAsked }: { session: Session; onAsked: () => void }) {
  const [kind, setKind] = useState<PolicyRequest['kind']>('extension');
  const [date, setDate] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return setError('Give a reason for the data manager.');
    if (kind === 'extension' && !date) return setError('Choose the new release date.');
    setBusy(true);
    setError(undefined);
    try {
      await api.askPolicyChange(session.id, {
        kind,
        reason: reason.trim(),
        // A date picked in the form is a UTC day, as release dates are shown.
        ...(kind === 'extension' ? { releaseDate: `${date}T00:00:00Z` } : {}),
      });
      setReason('');
      setDate('');
      onAsked();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="policy-form" onSubmit={submit} data-testid="policy-ask-form" noValidate>
      <RadioChoices
        name="kind"
        legend="Ask the data managers for"
        value={kind}
        onChange={setKind}
        choices={[
          { value: 'extension', id: 'policy-kind-extension', label: 'an embargo extension' },
          {
            value: 'early_release',
            id: 'policy-kind-early',
            label: 'an early release (the data become public when approved)',
          },
        ]}
      />
      {kind === 'extension' && (
        <div className="field">
          <label htmlFor="policy-date">New release date</label>
          <input
            id="policy-date"
            type="date"
            value={date}
            min={session.releaseDate.slice(0, 10)}
            onChange={(e) => setDate(e.target.value)}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor="policy-reason">Reason</label>
        <textarea
          id="policy-reason"
          rows={3}
          maxLength={4000}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
      {error && (
        <p className="alert alert-error" role="alert" data-testid="policy-ask-error">
          {error}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? 'Sending…' : 'Send request'}
      </button>
    </form>
  );
}
