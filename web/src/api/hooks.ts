import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './client.ts';
import { useAuth } from './auth.tsx';
import type { Page } from './types.ts';

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError
    ? e
    : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));
}

/**
 * What a loaded value was loaded for: the caller's deps plus the login generation. A value whose key
 * is not the current one is never rendered, not even for one frame, so after a logout (or an id change)
 * the page cannot show a record the caller may no longer see while the new answer is on its way.
 */
function useLoadKey(deps: readonly unknown[]): string {
  const { generation } = useAuth();
  return JSON.stringify([...deps, generation]);
}

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
}

/** Loads one thing from the API; reloads when `deps` change or the user logs in or out. */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Resource<T> {
  const key = useLoadKey(deps);
  const [state, setState] = useState<{ key: string | null; data?: T; error?: ApiError }>({ key: null });
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctrl = new AbortController();
    loadRef.current(ctrl.signal).then(
      (data) => !ctrl.signal.aborted && setState({ key, data }),
      (e: unknown) => !ctrl.signal.aborted && setState({ key, error: asApiError(e) }),
    );
    // Stale answers are dropped, so fast filter changes cannot show an older result.
    return () => ctrl.abort();
  }, [key]);

  if (state.key !== key) return { data: undefined, error: undefined, loading: true };
  return { data: state.data, error: state.error, loading: false };
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

interface PagedState<T> {
  key: string | null;
  items: T[];
  total?: number;
  next: string | null;
  error?: ApiError;
}

/** A cursor-paginated list: the first page on `deps` change, further pages appended by loadMore(). */
export function usePagedList<T>(
  load: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  deps: readonly unknown[],
): PagedList<T> {
  const key = useLoadKey(deps);
  const [state, setState] = useState<PagedState<T>>({ key: null, items: [], next: null });
  const [loadingMore, setLoadingMore] = useState(false);
  const loadRef = useRef(load);
  loadRef.current = load;
  const ctrlRef = useRef<AbortController | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    ctrlRef.current = ctrl;
    setLoadingMore(false);
    loadRef.current(undefined, ctrl.signal).then(
      (page) =>
        !ctrl.signal.aborted && setState({ key, items: page.items, total: page.total, next: page.next }),
      (e: unknown) => !ctrl.signal.aborted && setState({ key, items: [], next: null, error: asApiError(e) }),
    );
    return () => ctrl.abort();
  }, [key]);

  const current = state.key === key;
  const next = current ? state.next : null;

  const loadMore = useCallback(() => {
    const ctrl = ctrlRef.current;
    if (!next || loadingMore || !ctrl) return;
    setLoadingMore(true);
    loadRef.current(next, ctrl.signal).then(
      (page) => {
        if (ctrl.signal.aborted) return;
        setState((s) => (s.key === key ? { ...s, items: [...s.items, ...page.items], next: page.next } : s));
        setLoadingMore(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setState((s) => (s.key === key ? { ...s, error: asApiError(e) } : s));
        setLoadingMore(false);
      },
    );
  }, [key, next, loadingMore]);

  if (!current) {
    return {
      items: [],
      total: undefined,
      hasMore: false,
      loading: true,
      loadingMore: false,
      error: undefined,
      loadMore,
    };
  }
  return {
    items: state.items,
    total: state.total,
    hasMore: state.next !== null,
    loading: false,
    loadingMore,
    error: state.error,
    loadMore,
  };
}
