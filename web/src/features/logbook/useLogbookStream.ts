import { useEffect, useRef, useState } from 'react';
import { logbookApi, type EventFilter, type LogbookEvent } from '../../api/logbook.ts';

export type StreamStatus = 'off' | 'connecting' | 'live' | 'reconnecting';

interface Handlers {
  /** A new event (`event: event`, id = its seq). */
  onEvent(e: LogbookEvent): void;
  /** An edited or deleted event (`event: update`). */
  onUpdate(e: LogbookEvent): void;
}

const RETRY_MS = [1000, 2000, 5000, 10000];

/**
 * Follows a logbook live over Server-Sent Events, starting after `after` (the newest seq already
 * shown). The browser's EventSource reconnects by itself after a dropped connection and sends
 * Last-Event-ID, so the server replays what was missed. When the browser gives up (the server
 * answered an error, e.g. while restarting), we open a new one from the last seq seen, backing off.
 * `after === undefined` keeps the stream closed (still loading, or a search view).
 */
export function useLogbookStream(
  logbookId: string | undefined,
  filter: EventFilter,
  after: number | undefined,
  handlers: Handlers,
): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('off');
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;
  const { kind, category, tag } = filter;

  useEffect(() => {
    if (!logbookId || after === undefined) {
      setStatus('off');
      return;
    }
    let lastSeq = after;
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;

    const open = () => {
      setStatus(failures === 0 ? 'connecting' : 'reconnecting');
      const es = new EventSource(logbookApi.streamUrl(logbookId, { kind, category, tag }, lastSeq));
      source = es;
      es.onopen = () => {
        failures = 0;
        setStatus('live');
      };
      es.addEventListener('event', (m) => {
        const e = JSON.parse((m as MessageEvent<string>).data) as LogbookEvent;
        lastSeq = Math.max(lastSeq, e.seq);
        handlersRef.current.onEvent(e);
      });
      es.addEventListener('update', (m) => {
        handlersRef.current.onUpdate(JSON.parse((m as MessageEvent<string>).data) as LogbookEvent);
      });
      es.onerror = () => {
        if (stopped) return;
        if (es.readyState === EventSource.CONNECTING) {
          setStatus('reconnecting'); // the browser retries with Last-Event-ID
          return;
        }
        es.close();
        const wait = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!;
        failures++;
        setStatus('reconnecting');
        timer = setTimeout(open, wait);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [logbookId, kind, category, tag, after]);

  return status;
}
