import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../api/client.ts';
import { tapeApi } from '../../api/tape.ts';
import { plural } from '../../components/format.ts';
import { RadioChoices } from '../../components/RadioChoices.tsx';

type Outcome = { ok: true; text: string } | { ok: false; error: ApiError };

const asApiError = (e: unknown) =>
  e instanceof ApiError ? e : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));

/** The server's message, with its stable code for the operator who reports it. */
function OutcomeLine({ outcome, testId }: { outcome: Outcome | undefined; testId: string }) {
  if (!outcome) return null;
  if (outcome.ok)
    return (
      <p className="alert alert-info" role="status" data-testid={`${testId}-done`}>
        {outcome.text}
      </p>
    );
  return (
    <div className="alert alert-error" role="alert" data-testid={`${testId}-error`}>
      <p>{outcome.error.message}</p>
      <p className="muted small">
        Error code <code>{outcome.error.code}</code>
        {outcome.error.status ? ` (HTTP ${outcome.error.status})` : ''}
      </p>
    </div>
  );
}

function useSubmit(run: () => Promise<string>, onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(undefined);
    try {
      setOutcome({ ok: true, text: await run() });
      onDone();
    } catch (err) {
      setOutcome({ ok: false, error: asApiError(err) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, outcome, submit };
}

function FormCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="card tape-form">
      <h3 className="card-title">{title}</h3>
      {children}
    </div>
  );
}

/** Queue a dataset for archiving now: the worker writes two verified tape copies. */
export function ArchiveRequestForm({ onQueued }: { onQueued: () => void }) {
  const [pid, setPid] = useState('');
  const [release, setRelease] = useState(false);
  const { busy, outcome, submit } = useSubmit(async () => {
    const run = await tapeApi.requestArchive(pid.trim(), release);
    return `Archive run ${run.id} for ${run.datasetPid}: ${run.step}${run.error ? ` (${run.error})` : ''}.`;
  }, onQueued);
  return (
    <FormCard title="Archive a dataset">
      <form onSubmit={submit} className="policy-form" data-testid="tape-archive-form">
        <div className="field">
          <label htmlFor="tape-archive-pid">Dataset PID</label>
          <input
            id="tape-archive-pid"
            className="mono"
            required
            value={pid}
            onChange={(e) => setPid(e.target.value)}
            placeholder="10.5072/fb-ds.…"
          />
        </div>
        <div className="field field-check">
          <input
            id="tape-archive-release"
            type="checkbox"
            checked={release}
            onChange={(e) => setRelease(e.target.checked)}
          />
          <label htmlFor="tape-archive-release">
            release the disk copies once both tape copies are verified
          </label>
        </div>
        <div>
          <button type="submit" className="button button-primary" disabled={busy || !pid.trim()}>
            {busy ? 'Queueing…' : 'Queue archive'}
          </button>
        </div>
        <OutcomeLine outcome={outcome} testId="tape-archive" />
      </form>
    </FormCard>
  );
}

/** Queue recalls bringing offline files back to disk, for a whole dataset or one file. */
export function RestoreForm({ onQueued }: { onQueued: () => void }) {
  const [by, setBy] = useState<'dataset' | 'file'>('dataset');
  const [value, setValue] = useState('');
  const { busy, outcome, submit } = useSubmit(async () => {
    const v = value.trim();
    if (by === 'file' && !/^[1-9]\d*$/.test(v))
      throw new ApiError(400, 'invalid_file_id', `A file id is a positive whole number, not "${v}"`);
    const { recalls } = await tapeApi.restore(by === 'dataset' ? { datasets: [v] } : { files: [Number(v)] });
    return recalls.length
      ? `${plural(recalls.length, 'recall')} queued.`
      : 'Nothing to recall: the files are on disk already.';
  }, onQueued);
  return (
    <FormCard title="Restore from tape">
      <form onSubmit={submit} className="policy-form" data-testid="tape-restore-form">
        <RadioChoices
          name="tape-restore-by"
          legend="Restore"
          hideLegend
          value={by}
          onChange={setBy}
          choices={[
            { value: 'dataset', id: 'tape-restore-by-dataset', label: 'a dataset' },
            { value: 'file', id: 'tape-restore-by-file', label: 'one file' },
          ]}
        />
        <div className="field">
          <label htmlFor="tape-restore-value">{by === 'dataset' ? 'Dataset PID' : 'File id'}</label>
          <input
            id="tape-restore-value"
            className="mono"
            required
            inputMode={by === 'file' ? 'numeric' : undefined}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </div>
        <div>
          <button type="submit" className="button button-primary" disabled={busy || !value.trim()}>
            {busy ? 'Queueing…' : 'Queue restore'}
          </button>
        </div>
        <OutcomeLine outcome={outcome} testId="tape-restore" />
      </form>
    </FormCard>
  );
}
