import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { useAuth } from '../../api/auth.tsx';
import { useResource } from '../../api/hooks.ts';
import { api } from '../../api/endpoints.ts';
import { logbookApi, type LogbookEvent } from '../../api/logbook.ts';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { plural } from '../../components/format.ts';
import { sessionPath } from '../../components/paths.ts';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useSearchFilters } from '../../components/useSearchFilters.ts';
import { Composer } from './Composer.tsx';
import { EventItem } from './EventItem.tsx';
import { LogbookFilters } from './LogbookFilters.tsx';
import { useTimeline } from './useTimeline.ts';
import type { StreamStatus } from './useLogbookStream.ts';

const FILTER_KEYS = ['kind', 'category', 'tag', 'q'] as const;

const LIVE_LABEL: Record<StreamStatus, string> = {
  off: 'Not live',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

/** A session's logbook: live timeline, filters, search, writing, editing, history and export. */
export function LogbookPage() {
  const sessionId = useParams().id ?? '';
  const { me } = useAuth();
  const session = useResource((signal) => api.session(sessionId, signal), [sessionId]);
  const logbook = useResource((signal) => logbookApi.ofSession(sessionId, signal), [sessionId]);
  const [filter, setFilter] = useSearchFilters(FILTER_KEYS);
  const timeline = useTimeline(logbook.data?.id, filter);
  useDocumentTitle('Logbook', session.data?.title ?? sessionId, 'Sessions');

  // Comments sit under their event when it is shown; otherwise they stand on their own.
  const { roots, commentsOf } = useMemo(() => {
    const shown = new Set(timeline.events.map((e) => e.id));
    const commentsOf = new Map<string, LogbookEvent[]>();
    const roots: LogbookEvent[] = [];
    for (const e of timeline.events) {
      if (e.parentId && shown.has(e.parentId) && !filter.q) {
        commentsOf.set(e.parentId, [e, ...(commentsOf.get(e.parentId) ?? [])]);
      } else roots.push(e);
    }
    return { roots, commentsOf };
  }, [timeline.events, filter.q]);

  if (logbook.error) return <ErrorMessage error={logbook.error} what="logbook" />;
  if (!logbook.data) return <Loading label="Loading logbook…" />;
  const lb = logbook.data;
  const searching = Boolean(filter.q);

  return (
    <article className="record logbook" data-testid="logbook-page" data-logbook-id={lb.id}>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/sessions">Sessions</Link> / <Link to={sessionPath(sessionId)}>{sessionId}</Link> / Logbook
      </nav>
      <header className="page-header">
        <h1 data-testid="logbook-title">Logbook{session.data ? ` · ${session.data.title}` : ''}</h1>
        <div className="header-badges">
          {lb.state === 'frozen' ? (
            <span className="badge badge-public" data-testid="logbook-frozen">
              Frozen (read-only)
            </span>
          ) : (
            <span
              className={`badge live-badge live-${timeline.live}`}
              data-testid="live-status"
              data-status={timeline.live}
              role="status"
            >
              {searching ? 'Search results (not live)' : LIVE_LABEL[timeline.live]}
            </span>
          )}
        </div>
      </header>
      <p className="muted small">
        {plural(lb.counts.events, 'event')} · {plural(lb.counts.notification, 'notification')} ·{' '}
        {plural(lb.counts.annotation, 'annotation')} · {plural(lb.counts.comments, 'comment')} · export{' '}
        <a href={logbookApi.exportUrl(lb.id, 'pdf', filter)} data-testid="export-pdf">
          PDF
        </a>{' '}
        or{' '}
        <a href={logbookApi.exportUrl(lb.id, 'json', filter)} data-testid="export-json">
          JSON
        </a>
        {filter.kind || filter.category || filter.tag || filter.q ? ' (this filtered view)' : ''}
      </p>
      {lb.state === 'frozen' && (
        <p className="alert alert-info">
          The session has been released: its logbook is frozen and can no longer be changed.
        </p>
      )}
      <LogbookFilters filter={filter} onChange={setFilter} />
      {lb.canWrite && <Composer logbookId={lb.id} onPosted={timeline.upsert} />}
      {timeline.loading ? (
        <Loading label="Loading events…" />
      ) : timeline.error ? (
        <ErrorMessage error={timeline.error} what="events" />
      ) : roots.length === 0 ? (
        <EmptyState title={searching ? 'No event matches this search.' : 'No events yet.'}>
          {!searching && (
            <p>Events posted by the beamline software and annotations appear here as they arrive.</p>
          )}
        </EmptyState>
      ) : (
        <ol className="timeline" data-testid="timeline" aria-label="Events, newest first">
          {roots.map((e) => (
            <EventItem
              key={e.id}
              event={e}
              comments={commentsOf.get(e.id) ?? []}
              me={me}
              canWrite={lb.canWrite}
              searching={searching}
              upsert={timeline.upsert}
            />
          ))}
        </ol>
      )}
      {timeline.hasOlder && (
        <div className="load-more">
          <button
            type="button"
            className="button"
            onClick={timeline.loadOlder}
            disabled={timeline.loadingOlder}
            data-testid="load-older"
          >
            {timeline.loadingOlder ? 'Loading…' : 'Older events'}
          </button>
        </div>
      )}
    </article>
  );
}
