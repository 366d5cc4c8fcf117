import { useEffect, useState, type MouseEvent } from 'react';
import { api } from '../../api/endpoints.ts';
import type { DownloadRequest } from '../../api/types.ts';

/** How often a download waiting for tape asks whether its files are back. */
export const RESTORE_POLL_MS = 1500;

type Phase =
  | { kind: 'idle' }
  | { kind: 'asking' }
  | { kind: 'restoring'; download: DownloadRequest }
  | { kind: 'started' }
  | { kind: 'failed'; message: string };

/** Lets the browser save a URL itself (streamed to disk, named by Content-Disposition). */
function saveUrl(href: string) {
  const a = document.createElement('a');
  a.href = href;
  a.download = '';
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * A download link that copes with files on tape. While the bytes are on disk it is a plain link. For
 * a file on tape (`onTape`) a click asks the server, which queues a restore and answers 202 with a
 * download id; the link then says the file is being restored, polls `GET /api/downloads/{id}` until
 * it is ready and saves `/api/downloads/{id}/content`.
 */
export function DownloadLink({
  href,
  onTape,
  label,
  ariaLabel,
  title,
  testId,
}: {
  href: string;
  onTape: boolean;
  label: string;
  ariaLabel?: string;
  title?: string;
  testId?: string;
}) {
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });

  useEffect(() => {
    if (phase.kind !== 'restoring') return;
    const abort = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const d = await api.download(phase.download.id, abort.signal);
        if (d.status === 'ready') {
          setPhase({ kind: 'started' });
          saveUrl(`/api/downloads/${encodeURIComponent(d.id)}/content`);
        } else if (d.status === 'failed')
          setPhase({
            kind: 'failed',
            message: 'The restore from tape failed; please contact the data manager.',
          });
        else setPhase({ kind: 'restoring', download: d });
      } catch (e) {
        if (!abort.signal.aborted) setPhase({ kind: 'failed', message: (e as Error).message });
      }
    }, RESTORE_POLL_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [phase]);

  const click = async (e: MouseEvent<HTMLAnchorElement>) => {
    if (!onTape) return;
    e.preventDefault();
    if (phase.kind === 'asking' || phase.kind === 'restoring') return;
    setPhase({ kind: 'asking' });
    try {
      const res = await fetch(href, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (res.status === 202) return setPhase({ kind: 'restoring', download: await res.json() });
      if (res.ok) {
        // Back on disk since the page was loaded: let the browser fetch it as a normal download.
        await res.body?.cancel();
        setPhase({ kind: 'started' });
        return saveUrl(href);
      }
      const body = (await res.json().catch(() => null)) as { message?: string } | null;
      setPhase({ kind: 'failed', message: body?.message ?? `The server answered ${res.status}.` });
    } catch (err) {
      setPhase({ kind: 'failed', message: (err as Error).message });
    }
  };

  return (
    <>
      <a
        className="button button-small"
        href={href}
        download
        onClick={click}
        data-testid={testId}
        aria-label={ariaLabel}
        title={title}
        aria-busy={phase.kind === 'asking' || phase.kind === 'restoring'}
      >
        {label}
      </a>
      {phase.kind !== 'idle' && (
        <span
          className={`download-status${phase.kind === 'failed' ? ' error' : ''}`}
          role={phase.kind === 'failed' ? 'alert' : 'status'}
          data-testid={testId ? `${testId}-status` : undefined}
        >
          {phase.kind === 'asking' && 'Asking for the file…'}
          {phase.kind === 'restoring' &&
            `Being restored from tape (${phase.download.pending.length} of ${phase.download.files.length} ${
              phase.download.files.length === 1 ? 'file' : 'files'
            } to come back); the download starts when it is ready.`}
          {phase.kind === 'started' && 'Download started.'}
          {phase.kind === 'failed' && phase.message}
        </span>
      )}
    </>
  );
}
