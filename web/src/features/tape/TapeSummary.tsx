import { useRef } from 'react';
import type { TapeStatus } from '../../api/tape.ts';
import { formatBytes, formatCount } from '../../components/format.ts';
import { Bar } from './Bar.tsx';
import { percent } from './labels.ts';

interface Sample {
  at: number;
  read: number;
  written: number;
}

/**
 * Bytes per second over the last refresh. The API reports totals only, so the rate is the difference
 * between two successive answers; it is unknown until the second one.
 */
function useRate(status: TapeStatus, at: number) {
  const samples = useRef<{ prev?: Sample; last?: Sample }>({});
  const s = samples.current;
  if (s.last?.at !== at) {
    s.prev = s.last;
    s.last = { at, read: status.throughput.bytesRead, written: status.throughput.bytesWritten };
  }
  if (!s.prev || !s.last || s.last.at <= s.prev.at) return undefined;
  const seconds = (s.last.at - s.prev.at) / 1000;
  return {
    read: Math.max(0, s.last.read - s.prev.read) / seconds,
    written: Math.max(0, s.last.written - s.prev.written) / seconds,
  };
}

/** Totals at a glance: cartridges and fill, copies, recall queue, archive runs, throughput. */
export function TapeSummary({ status, loadedAt }: { status: TapeStatus; loadedAt: number }) {
  const rate = useRate(status, loadedAt);
  const c = status.cartridges;
  const q = status.queue;
  const recalls = q.queued + q.running + q.done + q.failed;
  const fill = c.capacity > 0 ? c.used / c.capacity : 0;
  return (
    <div className="tape-summary" data-testid="tape-summary">
      <div className="stat">
        <span className="stat-n" data-testid="tape-cartridge-total">
          {formatCount(c.total)}
        </span>
        <span className="stat-label">
          cartridges · {formatCount(c.available)} available · {formatCount(c.full)} full ·{' '}
          <span className={c.failed ? 'error-text' : undefined}>{formatCount(c.failed)} failed</span>
        </span>
        <Bar fraction={fill} label="Fill of all cartridges" tone={fill > 0.9 ? 'warn' : 'normal'} />
        <span className="muted small">
          {formatBytes(c.used)} of {formatBytes(c.capacity)} ({percent(fill)})
        </span>
      </div>
      <div className="stat">
        <span className="stat-n" data-testid="tape-archived-twice">
          {formatCount(status.copies.archivedTwice)}
        </span>
        <span className="stat-label">
          files with two tape copies
          {status.copies.datafiles > status.copies.archivedTwice &&
            ` · ${formatCount(status.copies.datafiles - status.copies.archivedTwice)} with one only`}
        </span>
        <span className="muted small" data-testid="tape-active-runs">
          {formatCount(status.activeArchiveRuns)} archive {status.activeArchiveRuns === 1 ? 'run' : 'runs'} in
          progress
        </span>
      </div>
      <div className="stat">
        <span className="stat-n" data-testid="tape-recalls-waiting">
          {formatCount(q.queued + q.running)}
        </span>
        <span className="stat-label">
          recalls waiting or running · {formatCount(q.done)} done ·{' '}
          <span className={q.failed ? 'error-text' : undefined}>{formatCount(q.failed)} failed</span>
        </span>
        <Bar fraction={recalls ? q.done / recalls : 0} label="Recalls done" tone="done" />
      </div>
      <div className="stat" data-testid="tape-throughput">
        <span className="stat-n">{rate ? `${formatBytes(rate.read + rate.written)}/s` : '…'}</span>
        <span className="stat-label">
          drive throughput now
          {rate && ` · read ${formatBytes(rate.read)}/s · write ${formatBytes(rate.written)}/s`}
        </span>
        <span className="muted small">
          in total: {formatBytes(status.throughput.bytesRead)} read,{' '}
          {formatBytes(status.throughput.bytesWritten)} written
        </span>
      </div>
    </div>
  );
}
