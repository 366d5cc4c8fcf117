import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './client.ts';
import { useAuth } from './auth.tsx';
import type { Page } from './types.ts';

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError
    ? e
    : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));
}

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
}

/**
 * Loads one thing from the API and reloads it when `deps` change or the user logs in or out.
 * Stale answers are dropped (aborted), so fast filter changes cannot show an older result.
 */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Resource<T> {
  const { generation } = useAuth();
  const [state, setState] = useState<Resource<T>>({ data: undefined, error: undefined, loading: true });
  useEffect(() => {
    const ctrl = new AbortController();
    // Drop the old value: after a logout or id change it may be a record the caller can no longer see.
    setState({ data: undefined, error: undefined, loading: true });
    load(ctrl.signal).then(
      (data) => !ctrl.signal.aborted && setState({ data, error: undefined, loading: false }),
      (e: unknown) =>
        !ctrl.signal.aborted && setState({ data: undefined, error: asApiError(e), loading: false }),
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller lists what `load` depends on
  }, [...deps, generation]);
  return state;
}

export interface PagedList<T> {
  items: T[];
  total: number | undefined;
  hasMore: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: ApiError | undefined;
  loadMore(): void;
}

/** A cursor-paginated list: the first page on `deps` change, further pages appended by loadMore(). */
export function usePagedList<T>(
  load: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  deps: readonly unknown[],
): PagedList<T> {
  const { generation } = useAuth();
  const [items, setItems] = useState<T[]>([]);
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const ctrlRef = useRef<AbortController | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctrl = new AbortController();
    ctrlRef.current?.abort();
    ctrlRef.current = ctrl;
    setLoading(true);
    setLoadingMore(false);
    setError(undefined);
    loadRef.current(undefined, ctrl.signal).then(
      (page) => {
        if (ctrl.signal.aborted) return;
        setItems(page.items);
        setTotal(page.total);
        setNext(page.next);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setItems([]);
        setNext(null);
        setError(asApiError(e));
        setLoading(false);
      },
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller lists what `load` depends on
  }, [...deps, generation]);

  const loadMore = useCallback(() => {
    if (!next || loadingMore) return;
    const ctrl = ctrlRef.current ?? new AbortController();
    setLoadingMore(true);
    loadRef.current(next, ctrl.signal).then(
      (page) => {
        if (ctrl.signal.aborted) return;
        setItems((old) => [...old, ...page.items]);
        setNext(page.next);
        setLoadingMore(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(asApiError(e));
        setLoadingMore(false);
      },
    );
  }, [next, loadingMore]);

  return { items, total, hasMore: next !== null, loading, loadingMore, error, loadMore };
}
