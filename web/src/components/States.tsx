import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import type { ApiError } from '../api/client.ts';
import { useAuth } from '../api/auth.tsx';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite" data-testid="loading">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" data-testid="empty">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

/**
 * An API error as the user should read it. A 404 is a "not found" page rather than an error: the API
 * answers 404 both for unknown ids and for embargoed records the caller may not see.
 */
export function ErrorMessage({ error, what = 'page' }: { error: ApiError; what?: string }) {
  if (error.isNotFound) return <NotFound what={what} detail={error.message} />;
  return (
    <div className="alert alert-error" role="alert" data-testid="error">
      <p>
        <strong>Something went wrong.</strong> {error.message}
      </p>
      <p className="muted small">
        Error code <code>{error.code}</code>
        {error.status ? ` (HTTP ${error.status})` : ''}
      </p>
    </div>
  );
}

export function NotFound({ what = 'page', detail }: { what?: string; detail?: string }) {
  const here = useLocation();
  const { me } = useAuth();
  const anonymous = !me || me.kind === 'anonymous';
  const login = `/login?next=${encodeURIComponent(here.pathname + here.search)}`;
  return (
    <section className="not-found" data-testid="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">This {what} was not found</h1>
      {detail && <p className="muted">{detail}</p>}
      <p>
        It may not exist, or it may be under embargo and visible only to its experimenters and facility staff.
        {anonymous && (
          <>
            {' '}
            If you took part in this experiment, <Link to={login}>log in</Link> to see it.
          </>
        )}
      </p>
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </section>
  );
}
