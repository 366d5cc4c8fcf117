import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useAuth } from '../../api/auth.tsx';
import { logbookApi, type EventFilter, type LogbookEvent } from '../../api/logbook.ts';
import { useLogbookStream, type StreamStatus } from './useLogbookStream.ts';

const PAGE = 50;

interface State {
  key: string;
  byId: Map<string, LogbookEvent>;
  next: string | null;
  /** Newest seq of the first page: the live stream starts after it. */
  streamFrom?: number;
  error?: ApiError;
  loaded: boolean;
}

export interface Timeline {
  /** Newest first; deleted events left out. */
  events: LogbookEvent[];
  loading: boolean;
  error: ApiError | undefined;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder(): void;
  /** Puts a changed or new event in place (after a post, edit, delete or a 412's current version). */
  upsert(e: LogbookEvent): void;
  live: StreamStatus;
}

const asApiError = (e: unknown) =>
  e instanceof ApiError ? e : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));

/**
 * A logbook's events, newest first: the latest page, older pages on demand, and everything posted
 * or changed afterwards from the live stream. A search (q) shows hits with snippets and is not live.
 */
export function useTimeline(logbookId: string | undefined, filter: EventFilter): Timeline {
  const { generation } = useAuth();
  const key = JSON.stringify([logbookId, filter.kind, filter.category, filter.tag, filter.q, generation]);
  const [state, setState] = useState<State>({ key: '', byId: new Map(), next: null, loaded: false });
  const [loadingOlder, setLoadingOlder] = useState(false);
  const query = useMemo(
    () => ({
      kind: filter.kind,
      category: filter.category,
      tag: filter.tag,
      q: filter.q,
      order: 'desc',
      limit: PAGE,
    }),
    [filter.kind, filter.category, filter.tag, filter.q],
  );

  useEffect(() => {
    if (!logbookId) return;
    const ctrl = new AbortController();
    logbookApi.events(logbookId, query, ctrl.signal).then(
      (page) =>
        !ctrl.signal.aborted &&
        setState({
          key,
          byId: new Map(page.items.map((e) => [e.id, e])),
          next: page.next,
          streamFrom: query.q ? undefined : (page.items[0]?.seq ?? 0),
          loaded: true,
        }),
      (e: unknown) =>
        !ctrl.signal.aborted &&
        setState({ key, byId: new Map(), next: null, error: asApiError(e), loaded: true }),
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- key covers query and the login
  }, [key]);

  const current = state.key === key;

  const upsert = useCallback(
    (e: LogbookEvent) =>
      setState((s) => {
        if (s.key !== key) return s;
        const old = s.byId.get(e.id);
        if (old && old.revision > e.revision) return s; // an older copy arriving late
        const byId = new Map(s.byId);
        byId.set(e.id, old?.snippet && !e.snippet ? { ...e, snippet: old.snippet } : e);
        return { ...s, byId };
      }),
    [key],
  );

  const loadOlder = useCallback(() => {
    if (!logbookId || !state.next || loadingOlder) return;
    setLoadingOlder(true);
    logbookApi.events(logbookId, { ...query, cursor: state.next }).then(
      (page) => {
        setState((s) => {
          if (s.key !== key) return s;
          const byId = new Map(s.byId);
          for (const e of page.items) if (!byId.has(e.id)) byId.set(e.id, e);
          return { ...s, byId, next: page.next };
        });
        setLoadingOlder(false);
      },
      (e: unknown) => {
        setState((s) => (s.key === key ? { ...s, error: asApiError(e) } : s));
        setLoadingOlder(false);
      },
    );
  }, [logbookId, state.next, loadingOlder, query, key]);

  // An update may name any changed event of the logbook (also ones this view filters out): only
  // events already shown are replaced.
  const replaceShown = useCallback(
    (e: LogbookEvent) =>
      setState((s) => {
        const old = s.key === key ? s.byId.get(e.id) : undefined;
        if (!old || old.revision > e.revision) return s;
        return { ...s, byId: new Map(s.byId).set(e.id, { ...e, snippet: old.snippet }) };
      }),
    [key],
  );
  const live = useLogbookStream(logbookId, filter, current ? state.streamFrom : undefined, {
    onEvent: upsert,
    onUpdate: replaceShown,
  });

  const events = useMemo(
    () => (current ? [...state.byId.values()].filter((e) => !e.deletedAt).sort((a, b) => b.seq - a.seq) : []),
    [current, state.byId],
  );

  return {
    events,
    loading: !current || !state.loaded,
    error: current ? state.error : undefined,
    hasOlder: current && state.next !== null,
    loadingOlder,
    loadOlder,
    upsert,
    live,
  };
}
