import type { Cartridge } from '../../api/tape.ts';
import { formatBytes, formatCount } from '../../components/format.ts';
import { EmptyState } from '../../components/States.tsx';
import { Bar } from './Bar.tsx';
import { percent } from './labels.ts';
import { Table } from '../../components/Table.tsx';

const TONE = { failed: 'error', full: 'warn' } as const;

/** Every cartridge with its fill, tape files, errors and whether a drive holds it now. */
export function CartridgesTable({ cartridges }: { cartridges: Cartridge[] }) {
  if (cartridges.length === 0)
    return <EmptyState title="No cartridges are registered.">Register some in a pool first.</EmptyState>;
  return (
    <Table
      columns={['Barcode', 'Library · pool', 'Copy', 'State', 'Fill', 'Tape files', 'Errors']}
      testId="tape-cartridges"
    >
      {cartridges.map((c) => (
        <tr key={c.barcode} data-testid="tape-cartridge" data-barcode={c.barcode} data-state={c.state}>
          <td className="mono">{c.barcode}</td>
          <td>
            {c.library} · <span className="mono">{c.pool}</span>
            <div className="muted small">{c.generation.toUpperCase()}</div>
          </td>
          <td>{c.copy}</td>
          <td>
            <span className={`state state-${c.state}`}>{c.state}</span>
            {c.inUseBy && <div className="muted small">in use</div>}
          </td>
          <td className="tape-fill-cell">
            <Bar
              fraction={c.fill}
              label={`Fill of ${c.barcode}`}
              tone={TONE[c.state as keyof typeof TONE] ?? 'normal'}
              testId="tape-cartridge-fill"
            />
            <span className="muted small">
              {formatBytes(c.used)} / {formatBytes(c.capacity)} ({percent(c.fill)})
            </span>
          </td>
          <td>{formatCount(c.tapeFiles)}</td>
          <td>
            <span className={c.errors ? 'error-text' : undefined}>{formatCount(c.errors)}</span>
            {c.lastError && <div className="small error-text">{c.lastError}</div>}
          </td>
        </tr>
      ))}
    </Table>
  );
}
