import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.ts';
import { logbookApi, type Attachment, type ContentFormat, type LogbookEvent } from '../../api/logbook.ts';
import { formatBytes } from '../../components/format.ts';
import { ServerHtml } from './ServerHtml.tsx';

interface Props {
  logbookId: string;
  /** Set for a comment on that event; unset for a new annotation. */
  parentId?: string;
  onPosted(e: LogbookEvent): void;
  onCancel?(): void;
}

/** Writes an annotation or a comment: markdown (or plain text) with a server-rendered preview, tags, files. */
export function Composer({ logbookId, parentId, onPosted, onCancel }: Props) {
  const id = useId();
  const comment = parentId !== undefined;
  const [text, setText] = useState('');
  const [format, setFormat] = useState<ContentFormat>('markdown');
  const [tags, setTags] = useState('');
  const [files, setFiles] = useState<Attachment[]>([]);
  const [preview, setPreview] = useState<string | undefined>();
  const [busy, setBusy] = useState<'post' | 'upload' | 'preview' | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  // One key per message being written: a retry after a lost answer cannot post it twice.
  const idempotencyKey = useRef(crypto.randomUUID());

  const fail = (e: unknown) =>
    setError(e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim() || busy) return;
    setBusy('post');
    setError(undefined);
    try {
      const event = await logbookApi.post(
        logbookId,
        {
          content: { format, text },
          ...(parentId ? { parentId } : {}),
          tags: tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
          attachments: files.map((f) => ({ sha256: f.sha256 })),
        },
        idempotencyKey.current,
      );
      idempotencyKey.current = crypto.randomUUID();
      setText('');
      setTags('');
      setFiles([]);
      setPreview(undefined);
      onPosted(event);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(undefined);
    }
  };

  const upload = async (list: FileList | null) => {
    if (!list?.length) return;
    setBusy('upload');
    setError(undefined);
    try {
      for (const file of Array.from(list)) {
        const a = await logbookApi.upload(logbookId, file);
        setFiles((fs) => (fs.some((f) => f.sha256 === a.sha256) ? fs : [...fs, a]));
      }
    } catch (err) {
      fail(err);
    } finally {
      setBusy(undefined);
    }
  };

  const showPreview = async () => {
    setBusy('preview');
    setError(undefined);
    try {
      setPreview((await logbookApi.preview(logbookId, { format, text })).html);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <form
      className={comment ? 'composer composer-comment' : 'composer'}
      onSubmit={submit}
      data-testid={comment ? 'comment-form' : 'annotation-form'}
    >
      <div className="composer-tabs" role="group" aria-label="Editor mode">
        <button
          type="button"
          className={preview === undefined ? 'tab active' : 'tab'}
          onClick={() => setPreview(undefined)}
          aria-pressed={preview === undefined}
        >
          Write
        </button>
        <button
          type="button"
          className={preview !== undefined ? 'tab active' : 'tab'}
          onClick={showPreview}
          disabled={!text.trim() || busy !== undefined}
          aria-pressed={preview !== undefined}
          data-testid="preview-button"
        >
          Preview
        </button>
        <label className="composer-format">
          <span className="visually-hidden">Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as ContentFormat)}>
            <option value="markdown">Markdown</option>
            <option value="plainText">Plain text</option>
          </select>
        </label>
      </div>
      {preview !== undefined ? (
        <ServerHtml html={preview} className="event-content composer-preview" testId="composer-preview" />
      ) : (
        <>
          <label htmlFor={`${id}-text`} className="visually-hidden">
            {comment ? 'Comment' : 'Annotation'}
          </label>
          <textarea
            id={`${id}-text`}
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={comment ? 3 : 5}
            placeholder={comment ? 'Write a comment (markdown)…' : 'Write an annotation (markdown)…'}
            data-testid={comment ? 'comment-text' : 'annotation-text'}
          />
        </>
      )}
      {files.length > 0 && (
        <ul className="composer-files" aria-label="Attached files">
          {files.map((f) => (
            <li key={f.sha256} data-testid="composer-file">
              {f.thumbnailUrl && <img src={f.thumbnailUrl} alt="" width={48} height={48} />}
              <span>
                {f.name} <span className="muted small">({formatBytes(f.size)})</span>
              </span>
              <button
                type="button"
                className="link-button"
                onClick={() => setFiles((fs) => fs.filter((x) => x.sha256 !== f.sha256))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        {!comment && (
          <label className="composer-tags">
            <span className="small muted">Tags</span>
            <input
              value={tags}
              onChange={(e) => setTags(e.target.value)}
              placeholder="alignment, sample-2"
              data-testid="annotation-tags"
            />
          </label>
        )}
        <label className="button button-small composer-attach">
          {busy === 'upload' ? 'Uploading…' : 'Attach file'}
          <input
            type="file"
            className="visually-hidden"
            onChange={(e) => {
              void upload(e.target.files);
              e.target.value = '';
            }}
            data-testid={comment ? 'comment-file' : 'annotation-file'}
          />
        </label>
        <span className="composer-spacer" />
        {onCancel && (
          <button type="button" className="button button-small" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button
          type="submit"
          className="button button-primary button-small"
          disabled={!text.trim() || busy !== undefined}
          data-testid={comment ? 'comment-submit' : 'annotation-submit'}
        >
          {busy === 'post' ? 'Posting…' : comment ? 'Comment' : 'Post annotation'}
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert" data-testid="composer-error">
          {error.message}
        </p>
      )}
    </form>
  );
}
