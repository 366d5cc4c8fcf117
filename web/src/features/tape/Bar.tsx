import { percent } from './labels.ts';

/** A horizontal bar for cartridge fill and queue/run progress; `tone` colours it by state. */
export function Bar({
  fraction,
  label,
  tone = 'normal',
  testId,
}: {
  fraction: number;
  label: string;
  tone?: 'normal' | 'warn' | 'error' | 'done';
  testId?: string;
}) {
  const value = Math.min(Math.max(fraction, 0), 1);
  return (
    <div
      className={`bar bar-${tone}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(value * 1000) / 10}
      aria-valuetext={percent(value)}
      data-testid={testId}
    >
      {/* at least a sliver, so a cartridge holding a few bytes does not look empty */}
      <span className="bar-fill" style={{ width: value > 0 ? `max(2px, ${value * 100}%)` : 0 }} />
    </div>
  );
}
