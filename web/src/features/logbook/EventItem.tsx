import { useState } from 'react';
import { ApiError } from '../../api/client.ts';
import type { Me } from '../../api/types.ts';
import { logbookApi, type LogbookEvent } from '../../api/logbook.ts';
import { formatBytes, formatDateTime } from '../../components/format.ts';
import { Composer } from './Composer.tsx';
import { EditForm } from './EditForm.tsx';
import { History } from './History.tsx';
import { ServerHtml } from './ServerHtml.tsx';

const PRIVILEGED = ['staff', 'data_manager', 'admin'];

interface Props {
  event: LogbookEvent;
  comments: LogbookEvent[];
  me: Me | undefined;
  canWrite: boolean;
  /** Shows the search snippet instead of the content. */
  searching: boolean;
  upsert(e: LogbookEvent): void;
}

/** May this caller change the event? The server decides; this only hides buttons that would fail. */
function mayChange(e: LogbookEvent, me: Me | undefined, canWrite: boolean): boolean {
  if (!canWrite || !e.editable || e.deletedAt || me?.kind !== 'user') return false;
  return e.author === me.username || PRIVILEGED.includes(me.role ?? '');
}

/** One event of the timeline with its comments, and the actions the caller may take on it. */
export function EventItem({ event, comments, me, canWrite, searching, upsert }: Props) {
  return (
    <li
      className={`event event-${event.kind} event-cat-${event.category}`}
      data-testid="event"
      data-seq={event.seq}
      data-event-id={event.id}
    >
      <EventBody
        event={event}
        me={me}
        canWrite={canWrite}
        searching={searching}
        upsert={upsert}
        allowComment
      />
      {comments.length > 0 && (
        <ol className="comments" aria-label={`Comments on #${event.seq}`}>
          {comments.map((c) => (
            <li key={c.id} className="comment" data-testid="comment" data-seq={c.seq} data-event-id={c.id}>
              <EventBody event={c} me={me} canWrite={canWrite} searching={searching} upsert={upsert} />
            </li>
          ))}
        </ol>
      )}
    </li>
  );
}

function EventBody({
  event: e,
  me,
  canWrite,
  searching,
  upsert,
  allowComment = false,
}: Omit<Props, 'comments'> & { allowComment?: boolean }) {
  const [mode, setMode] = useState<'view' | 'edit' | 'comment' | 'confirm-delete'>('view');
  const [showHistory, setShowHistory] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const changeable = mayChange(e, me, canWrite);
  const who = e.author && e.author !== e.source ? `${e.author} via ${e.source}` : (e.author ?? e.source);

  const remove = async () => {
    setError(undefined);
    try {
      upsert(await logbookApi.remove(e.id, e.revision));
    } catch (err) {
      const current =
        err instanceof ApiError && err.status === 412
          ? (err.details as { current?: LogbookEvent })?.current
          : undefined;
      if (current) upsert(current);
      setError(
        current
          ? `Not deleted: it was changed meanwhile (now revision ${current.revision}). Check the new text and try again.`
          : err instanceof Error
            ? err.message
            : String(err),
      );
      setMode('view');
    }
  };

  return (
    <article className="event-body">
      <header className="event-head">
        <span className="event-seq mono">#{e.seq}</span>
        <time dateTime={e.occurredAt}>{formatDateTime(e.occurredAt)}</time>
        <span className="event-who" data-testid="event-author">
          {who}
        </span>
        <span className={`badge badge-kind badge-${e.kind}`}>{e.kind}</span>
        {e.category !== 'comment' && (
          <span className={`badge badge-cat badge-${e.category}`}>{e.category}</span>
        )}
        {e.tags.map((t) => (
          <span key={t} className="chip" data-testid="event-tag">
            {t}
          </span>
        ))}
        {e.revision > 1 && (
          <span className="muted small" data-testid="edited-marker">
            edited{e.editedBy ? ` by ${e.editedBy}` : ''}
          </span>
        )}
      </header>
      {mode === 'edit' ? (
        <EditForm
          event={e}
          onSaved={(saved) => {
            upsert(saved);
            setMode('view');
          }}
          onStale={upsert}
          onCancel={() => setMode('view')}
        />
      ) : searching && e.snippet ? (
        <ServerHtml html={e.snippet} className="event-content event-snippet" testId="event-snippet" />
      ) : (
        <ServerHtml html={e.content.html} className="event-content" testId="event-content" />
      )}
      {e.attachments.length > 0 && (
        <ul className="attachments" aria-label="Attachments">
          {e.attachments.map((a) => (
            <li key={a.sha256} data-testid="attachment">
              <a href={a.url} target="_blank" rel="noopener noreferrer">
                {a.thumbnailUrl ? (
                  <img src={a.thumbnailUrl} alt={a.name} loading="lazy" data-testid="attachment-thumbnail" />
                ) : (
                  <span className="attachment-file">{a.name}</span>
                )}
              </a>
              <span className="muted small">
                {a.name} · {formatBytes(a.size)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {mode !== 'edit' && (
        <div className="event-actions">
          {allowComment && canWrite && mode !== 'comment' && (
            <button
              type="button"
              className="link-button"
              onClick={() => setMode('comment')}
              data-testid="comment-button"
            >
              Comment
            </button>
          )}
          {changeable && (
            <button
              type="button"
              className="link-button"
              onClick={() => setMode('edit')}
              data-testid="edit-button"
            >
              Edit
            </button>
          )}
          {changeable &&
            (mode === 'confirm-delete' ? (
              <span className="confirm">
                Delete this {e.parentId ? 'comment' : 'annotation'}?{' '}
                <button
                  type="button"
                  className="link-button danger"
                  onClick={remove}
                  data-testid="delete-confirm"
                >
                  Yes, delete
                </button>{' '}
                <button type="button" className="link-button" onClick={() => setMode('view')}>
                  Keep
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="link-button"
                onClick={() => setMode('confirm-delete')}
                data-testid="delete-button"
              >
                Delete
              </button>
            ))}
          {e.revision > 1 && (
            <button
              type="button"
              className="link-button"
              onClick={() => setShowHistory((s) => !s)}
              aria-expanded={showHistory}
              data-testid="history-button"
            >
              {showHistory ? 'Hide history' : `History (${e.revision} revisions)`}
            </button>
          )}
        </div>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {showHistory && <History eventId={e.id} revision={e.revision} />}
      {mode === 'comment' && (
        <Composer
          logbookId={e.logbookId}
          parentId={e.id}
          onPosted={(c) => {
            upsert(c);
            setMode('view');
          }}
          onCancel={() => setMode('view')}
        />
      )}
    </article>
  );
}
