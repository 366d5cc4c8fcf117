import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useAuth } from '../../api/auth.tsx';

export interface Polled<T> {
  data: T | undefined;
  /** The last refresh's failure; `data` then still holds the previous answer. */
  error: ApiError | undefined;
  /** When `data` was loaded (ms since epoch). */
  loadedAt: number | undefined;
  refresh(): void;
}

const asApiError = (e: unknown) =>
  e instanceof ApiError ? e : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));

/**
 * Loads now and again `intervalMs` after each answer (slower while the tab is hidden). A failed
 * refresh keeps the last answer on screen next to the error, so an operator does not lose the
 * picture when the server restarts. Starts over on login/logout, never showing the other user's data.
 */
export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number): Polled<T> {
  const { generation } = useAuth();
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<{ generation: number; data?: T; error?: ApiError; at?: number }>({
    generation: -1,
  });
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let ctrl: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      ctrl = new AbortController();
      try {
        const data = await loadRef.current(ctrl.signal);
        if (!stopped) setState({ generation, data, at: Date.now() });
      } catch (e) {
        if (stopped) return;
        setState((s) =>
          s.generation === generation ? { ...s, error: asApiError(e) } : { generation, error: asApiError(e) },
        );
      }
      if (!stopped) timer = setTimeout(run, document.hidden ? intervalMs * 5 : intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      ctrl?.abort();
      clearTimeout(timer);
    };
  }, [generation, intervalMs, tick]);

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  if (state.generation !== generation)
    return { data: undefined, error: undefined, loadedAt: undefined, refresh };
  return { data: state.data, error: state.error, loadedAt: state.at, refresh };
}
