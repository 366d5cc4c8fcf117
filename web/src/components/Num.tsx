import { formatNumber } from './format.ts';

/** A number in scientific style: "2.0027 × 10⁻¹⁵" with a real superscript instead of "2.0027e-15". */
export function Num({ value }: { value: number }) {
  const s = formatNumber(value);
  const m = /^(-?[\d.]+)e([+-]?\d+)$/.exec(s);
  if (!m) return <>{s}</>;
  const exp = Number(m[2]);
  return (
    <span title={String(value)}>
      {m[1]} × 10<sup>{exp}</sup>
    </span>
  );
}
