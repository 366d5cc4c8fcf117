import type { Parameter } from '../../api/types.ts';
import { Num } from '../../components/Num.tsx';
import { EmptyState } from '../../components/States.tsx';

const show = (v: Parameter['value']) => (v === null ? '—' : typeof v === 'number' ? <Num value={v} /> : v);

/** Scientific parameters as recorded (value + unit) and normalised to SI for comparison across datasets. */
export function ParametersTable({ parameters }: { parameters: Parameter[] }) {
  if (parameters.length === 0) return <EmptyState title="No parameters were recorded for this dataset." />;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="parameters-table">
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col" className="num">
              Value
            </th>
            <th scope="col">Unit</th>
            <th scope="col" className="num">
              SI value
            </th>
          </tr>
        </thead>
        <tbody>
          {parameters.map((p, i) => (
            <tr key={`${p.name}-${p.datafileId ?? ''}-${i}`} data-testid="parameter-row">
              <th scope="row" className="mono">
                {p.name}
              </th>
              <td className={typeof p.value === 'string' ? 'num text-value' : 'num'}>{show(p.value)}</td>
              <td data-testid="parameter-unit">{p.unit ?? <span className="muted">—</span>}</td>
              <td className="num">
                {p.siValue === null ? (
                  <span className="muted">—</span>
                ) : (
                  <>
                    <Num value={p.siValue} /> <span className="unit">{p.siUnit}</span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
