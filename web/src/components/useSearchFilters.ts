import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

/**
 * List filters live in the URL (?q=&instrument=), so a filtered list can be bookmarked, shared and
 * restored with the back button.
 */
export function useSearchFilters<K extends string>(
  keys: readonly K[],
): [Record<K, string>, (patch: Partial<Record<K, string>>) => void] {
  const [params, setParams] = useSearchParams();
  const values = useMemo(
    () => Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ''])) as Record<K, string>,
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keys is a constant list
    [params],
  );
  const update = useCallback(
    (patch: Partial<Record<K, string>>) => {
      setParams(
        (old) => {
          const next = new URLSearchParams(old);
          for (const [k, v] of Object.entries(patch) as [K, string | undefined][]) {
            if (v) next.set(k, v);
            else next.delete(k);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [values, update];
}
