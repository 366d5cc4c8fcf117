import { Link } from 'react-router';
import type { TapeQueue } from '../../api/tape.ts';
import { formatDateTime } from '../../components/format.ts';
import { datasetPath } from '../../components/paths.ts';
import { Bar } from './Bar.tsx';
import { STEP_LABEL, stepProgress } from './labels.ts';
import { Table } from '../../components/Table.tsx';

/** Archive runs (unfinished and of the last day) with their step, and the recall queue. */
export function QueuePanel({ queue }: { queue: TapeQueue }) {
  return (
    <>
      <h3 id="tape-runs-title">Archive runs</h3>
      {queue.archiveRuns.length === 0 ? (
        <p className="muted" data-testid="tape-runs-empty">
          No archive run is in progress or finished in the last day.
        </p>
      ) : (
        <Table
          columns={['#', 'Dataset', 'Step', 'Progress', 'Requested']}
          testId="tape-runs"
          labelledBy="tape-runs-title"
        >
          {queue.archiveRuns.map((r) => (
            <tr key={r.id} data-testid="tape-run" data-dataset={r.dataset} data-step={r.step}>
              <td className="mono">{r.id}</td>
              <td className="mono">
                <Link to={datasetPath(r.dataset)}>{r.dataset}</Link>
              </td>
              <td>
                <span className={`state state-step-${r.step}`}>{STEP_LABEL[r.step] ?? r.step}</span>
                {r.error && <div className="small error-text">{r.error}</div>}
              </td>
              <td className="tape-fill-cell">
                <Bar
                  fraction={stepProgress(r.step)}
                  label={`Archive run ${r.id}`}
                  tone={r.step === 'failed' ? 'error' : r.step === 'done' ? 'done' : 'normal'}
                />
              </td>
              <td className="small">{formatDateTime(r.createdAt)}</td>
            </tr>
          ))}
        </Table>
      )}
      <h3 id="tape-recalls-title">Recalls</h3>
      {queue.recalls.length === 0 ? (
        <p className="muted" data-testid="tape-recalls-empty">
          No file is waiting to come back from tape.
        </p>
      ) : (
        <Table
          columns={['#', 'File', 'State', 'Cartridge · tape file', 'Attempts', 'Queued']}
          testId="tape-recalls"
          labelledBy="tape-recalls-title"
        >
          {queue.recalls.map((r) => (
            <tr key={r.id} data-testid="tape-recall" data-state={r.state} data-file={r.datafileId}>
              <td className="mono">{r.id}</td>
              <td>
                <span className="mono">{r.path}</span>
                <div className="muted small">
                  file {r.datafileId}
                  {r.downloadId && ' · for a download'}
                </div>
              </td>
              <td>
                <span className={`state state-recall-${r.state}`}>{r.state}</span>
                {r.error && <div className="small error-text">{r.error}</div>}
              </td>
              <td className="mono">
                {r.cartridge ?? '—'}
                {r.tapeFile !== null && ` · ${r.tapeFile}`}
              </td>
              <td>{r.attempts}</td>
              <td className="small">{formatDateTime(r.createdAt)}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
