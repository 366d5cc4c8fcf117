import { useAuth } from '../../api/auth.tsx';
import { tapeApi } from '../../api/tape.ts';
import { ErrorMessage, Loading, NotFound } from '../../components/States.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { CartridgesTable } from './CartridgesTable.tsx';
import { LibrariesPanel } from './LibrariesPanel.tsx';
import { PolicyCard } from './PolicyCard.tsx';
import { QueuePanel } from './QueuePanel.tsx';
import { ArchiveRequestForm, RestoreForm } from './TapeForms.tsx';
import { TapeSummary } from './TapeSummary.tsx';
import { managesTape } from './labels.ts';
import { usePolling } from './usePolling.ts';

const REFRESH_MS = 3000;

/**
 * /admin/tape, for data managers and admins. Everyone else gets the ordinary "not found" page, as for
 * any URL they cannot use; the API refuses them too, this only spares them a page of 403s.
 */
export function TapeAdminPage() {
  useDocumentTitle('Tape');
  const { me } = useAuth();
  if (me === undefined) return <Loading />;
  if (!managesTape(me)) return <NotFound what="page" />;
  return <TapeDashboard />;
}

const loadAll = async (signal: AbortSignal) => {
  const [status, drives, cartridges, queue] = await Promise.all([
    tapeApi.status(signal),
    tapeApi.drives(signal),
    tapeApi.cartridges(signal),
    tapeApi.queue(signal),
  ]);
  return { status, drives, cartridges, queue };
};

function TapeDashboard() {
  const polled = usePolling(loadAll, REFRESH_MS);
  const { data, error, loadedAt, refresh } = polled;
  return (
    <section className="record tape" data-testid="tape-page">
      <header className="page-header tape-header">
        <h1>Tape</h1>
        <p className="muted small" aria-live="off">
          {loadedAt ? (
            <>
              Updated <time data-testid="tape-updated">{new Date(loadedAt).toLocaleTimeString('en-GB')}</time>
              ; refreshes every {REFRESH_MS / 1000} s.{' '}
            </>
          ) : null}
          <button type="button" className="button button-small" onClick={refresh}>
            Refresh now
          </button>
        </p>
      </header>
      {error &&
        (data ? <StaleWarning message={error.message} /> : <ErrorMessage error={error} what="page" />)}
      {!data ? (
        !error && <Loading label="Loading tape status…" />
      ) : (
        <>
          <TapeSummary status={data.status} loadedAt={loadedAt!} />
          <div className="tape-forms">
            <ArchiveRequestForm onQueued={refresh} />
            <RestoreForm onQueued={refresh} />
            <PolicyCard />
          </div>
          <section className="section" aria-labelledby="tape-queue-title" data-testid="tape-queue">
            <h2 id="tape-queue-title">Queue</h2>
            <QueuePanel queue={data.queue} />
          </section>
          <section className="section" aria-labelledby="tape-libraries-title">
            <h2 id="tape-libraries-title">Libraries and drives</h2>
            <LibrariesPanel status={data.status} drives={data.drives} cartridges={data.cartridges} />
          </section>
          <section className="section" aria-labelledby="tape-cartridges-title">
            <h2 id="tape-cartridges-title">Cartridges</h2>
            <CartridgesTable cartridges={data.cartridges} />
          </section>
        </>
      )}
    </section>
  );
}

/** A refresh failed but an earlier answer is on screen: say so, and that it may be out of date. */
function StaleWarning({ message }: { message: string }) {
  return (
    <div className="alert alert-warning" role="alert" data-testid="tape-stale">
      The last refresh failed: {message} The figures below may be out of date; retrying.
    </div>
  );
}
