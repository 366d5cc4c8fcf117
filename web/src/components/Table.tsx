import type { ReactNode } from 'react';

/**
 * A data table that scrolls sideways on narrow screens: column headers (a `false` or undefined one is left out,
 * for columns shown only sometimes) and the body rows as children.
 */
export function Table({
  columns,
  testId,
  labelledBy,
  children,
}: {
  columns: (string | false | undefined)[];
  testId?: string;
  labelledBy?: string;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId} aria-labelledby={labelledBy}>
        <thead>
          <tr>
            {columns.map(
              (c) =>
                c && (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
