import type { ReactNode } from 'react';

export interface RadioChoice<T extends string> {
  value: T;
  /** The input's id (tests and labels find it by this). */
  id: string;
  label: ReactNode;
}

/** A fieldset of radio buttons, one per choice, each with its label after it. */
export function RadioChoices<T extends string>({
  name,
  legend,
  hideLegend = false,
  choices,
  value,
  onChange,
}: {
  name: string;
  legend: string;
  /** Keep the legend for screen readers only (when the form's title already says it). */
  hideLegend?: boolean;
  choices: RadioChoice<T>[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <fieldset>
      <legend className={hideLegend ? 'visually-hidden' : undefined}>{legend}</legend>
      {choices.map((c) => (
        <div className="field field-check" key={c.value}>
          <input
            id={c.id}
            type="radio"
            name={name}
            checked={value === c.value}
            onChange={() => onChange(c.value)}
          />
          <label htmlFor={c.id}>{c.label}</label>
        </div>
      ))}
    </fieldset>
  );
}
