import { tapeApi } from '../../api/tape.ts';
import { useResource } from '../../api/hooks.ts';
import { formatBytes, plural } from '../../components/format.ts';

/** The archiving policy, read-only (changed with `fairbeam tape policy` or PATCH /api/admin/archive/policy). */
export function PolicyCard() {
  const policy = useResource((signal) => tapeApi.policy(signal), []);
  const p = policy.data;
  return (
    <div className="card tape-form" data-testid="tape-policy">
      <h3 className="card-title">Archiving policy</h3>
      {policy.error ? (
        <p className="error-text" role="alert">
          {policy.error.message}
        </p>
      ) : !p ? (
        <p className="muted">Loading…</p>
      ) : (
        <ul className="tape-policy">
          <li data-testid="tape-policy-enabled">
            {p.enabled
              ? `Scheduled archiving is on: datasets with every file on disk, older than ${plural(p.minAgeDays, 'day')}${
                  p.minBytes === null ? '' : ` or holding at least ${formatBytes(p.minBytes)}`
                }.`
              : 'Scheduled archiving is off: only explicit requests are archived.'}
          </li>
          <li>
            {p.release
              ? 'Disk copies are released once both tape copies are verified.'
              : 'Disk copies are kept after archiving.'}
          </li>
          <li>
            Files under {formatBytes(p.largeFileBytes)} are packed into containers of{' '}
            {formatBytes(p.containerBytes)}; larger files and HDF5 files go to tape on their own.
          </li>
        </ul>
      )}
    </div>
  );
}
