import type { Cartridge, Drive, TapeStatus } from '../../api/tape.ts';
import { formatBytes, formatCount } from '../../components/format.ts';
import { EmptyState } from '../../components/States.tsx';
import { Bar } from './Bar.tsx';
import { Table } from '../../components/Table.tsx';

interface PoolRow {
  name: string;
  copy: number | undefined;
  cartridges: number;
  used: number;
  capacity: number;
  errors: number;
}

/** Pools of one library with the copy they hold, from the cartridges registered in them. */
function poolsOf(library: TapeStatus['libraries'][number], cartridges: Cartridge[]): PoolRow[] {
  return library.pools.map((name) => {
    const mine = cartridges.filter((c) => c.pool === name);
    return {
      name,
      copy: mine[0]?.copy,
      cartridges: mine.length,
      used: mine.reduce((s, c) => s + c.used, 0),
      capacity: mine.reduce((s, c) => s + c.capacity, 0),
      errors: mine.reduce((s, c) => s + c.errors, 0),
    };
  });
}

function DriveState({ drive }: { drive: Drive }) {
  if (drive.failed === null) return <span className="state state-unknown">unknown</span>;
  if (drive.failed) return <span className="state state-failed">failed</span>;
  return drive.loaded ? (
    <span className="state state-online">loaded</span>
  ) : (
    <span className="state">empty</span>
  );
}

/** Each library with its pools (copy 1 / copy 2) and its drives. */
export function LibrariesPanel({
  status,
  drives,
  cartridges,
}: {
  status: TapeStatus;
  drives: Drive[];
  cartridges: Cartridge[];
}) {
  if (status.libraries.length === 0)
    return (
      <EmptyState title="No tape library is configured.">
        Add one with <code>fairbeam tape library add</code> or <code>PUT /api/admin/tape/libraries/NAME</code>
        , then its pools and cartridges.
      </EmptyState>
    );
  return (
    <div className="tape-libraries">
      {status.libraries.map((lib) => {
        const libDrives = drives.filter((d) => d.library === lib.name);
        const pools = poolsOf(lib, cartridges);
        return (
          <article
            key={lib.name}
            className="card tape-library"
            data-testid="tape-library"
            data-library={lib.name}
          >
            <h3 className="card-title">
              {lib.name}{' '}
              <span className="muted small">{lib.kind === 'ltfs' ? 'LTFS' : 'virtual library'}</span>
            </h3>
            <p className="muted small mono">{lib.root}</p>
            <h4>Pools</h4>
            {pools.length === 0 ? (
              <p className="muted">No pools yet: each archived file needs a copy-1 and a copy-2 pool.</p>
            ) : (
              <Table columns={['Pool', 'Copy', 'Cartridges', 'Fill', 'Errors']} testId="tape-pools">
                {pools.map((p) => (
                  <tr key={p.name} data-testid="tape-pool" data-pool={p.name}>
                    <td className="mono">{p.name}</td>
                    <td>{p.copy ?? '—'}</td>
                    <td>{formatCount(p.cartridges)}</td>
                    <td className="tape-fill-cell">
                      <Bar fraction={p.capacity ? p.used / p.capacity : 0} label={`Fill of pool ${p.name}`} />
                      <span className="muted small">
                        {formatBytes(p.used)} / {formatBytes(p.capacity)}
                      </span>
                    </td>
                    <td className={p.errors ? 'error-text' : undefined}>{formatCount(p.errors)}</td>
                  </tr>
                ))}
              </Table>
            )}
            <h4>Drives</h4>
            {libDrives.length === 0 ? (
              <p className="muted">No drives reported.</p>
            ) : (
              <Table columns={['Drive', 'State', 'Loaded', 'Errors', 'Read', 'Written']} testId="tape-drives">
                {libDrives.map((d) => (
                  <tr key={d.name} data-testid="tape-drive" data-drive={d.name}>
                    <td className="mono">{d.name}</td>
                    <td>
                      <DriveState drive={d} />
                    </td>
                    <td className="mono" data-testid="tape-drive-loaded">
                      {d.loaded ?? '—'}
                    </td>
                    <td>
                      <span className={d.errors ? 'error-text' : undefined}>{formatCount(d.errors)}</span>
                      {d.lastError && <div className="small error-text">{d.lastError}</div>}
                    </td>
                    <td>{formatBytes(d.bytesRead)}</td>
                    <td>{formatBytes(d.bytesWritten)}</td>
                  </tr>
                ))}
              </Table>
            )}
          </article>
        );
      })}
    </div>
  );
}
