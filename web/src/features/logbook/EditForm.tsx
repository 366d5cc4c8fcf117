import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.ts';
import { logbookApi, type ContentFormat, type LogbookEvent } from '../../api/logbook.ts';

interface Props {
  event: LogbookEvent;
  onSaved(e: LogbookEvent): void;
  /** Someone else saved first: the event as it is now (from the 412 answer). */
  onStale(current: LogbookEvent): void;
  onCancel(): void;
}

const currentOf = (e: ApiError): LogbookEvent | undefined =>
  (e.details as { current?: LogbookEvent } | undefined)?.current;

/**
 * Edits an annotation or comment with optimistic concurrency: the save carries If-Match with the
 * revision the editor started from. If someone saved in between (412), their text is shown and the
 * draft is kept; saving again then deliberately replaces the newer revision.
 */
export function EditForm({ event, onSaved, onStale, onCancel }: Props) {
  const id = useId();
  const editableFormat: ContentFormat = event.content.format === 'html' ? 'markdown' : event.content.format;
  const [text, setText] = useState(event.content.text);
  const [format, setFormat] = useState<ContentFormat>(editableFormat);
  const [base, setBase] = useState(event.revision);
  const [conflict, setConflict] = useState<LogbookEvent | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await logbookApi.edit(event.id, base, { format, text }));
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err));
      const current = apiErr.status === 412 ? currentOf(apiErr) : undefined;
      if (current) {
        setConflict(current);
        setBase(current.revision);
        onStale(current);
      } else setError(apiErr);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="edit-form" onSubmit={save} data-testid="edit-form">
      {conflict && (
        <div className="alert alert-warning" role="alert" data-testid="edit-conflict">
          <p>
            <strong>This was changed while you were editing</strong> (now revision {conflict.revision}
            {conflict.editedBy ? `, by ${conflict.editedBy}` : ''}). Its current text:
          </p>
          <pre className="edit-conflict-text" data-testid="edit-conflict-text">
            {conflict.content.text}
          </pre>
          <p className="small">Your text is still below. Save again to replace the current version.</p>
        </div>
      )}
      <label htmlFor={`${id}-text`} className="visually-hidden">
        Text
      </label>
      <textarea
        id={`${id}-text`}
        value={text}
        rows={4}
        onChange={(e) => setText(e.target.value)}
        data-testid="edit-text"
      />
      <div className="composer-row">
        <label>
          <span className="visually-hidden">Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as ContentFormat)}>
            <option value="markdown">Markdown</option>
            <option value="plainText">Plain text</option>
          </select>
        </label>
        <span className="composer-spacer" />
        <button type="button" className="button button-small" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="submit"
          className="button button-primary button-small"
          disabled={busy || !text.trim()}
          data-testid="edit-save"
        >
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert" data-testid="edit-error">
          {error.message}
        </p>
      )}
    </form>
  );
}
