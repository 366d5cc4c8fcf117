import { useState } from 'react';
import { Link, NavLink, Outlet, ScrollRestoration, useLocation } from 'react-router';
import { displayName, useAuth } from '../api/auth.tsx';
import { decidesRequests } from '../features/policy/labels.ts';
import { managesTape } from '../features/tape/labels.ts';

const NAV = [
  { to: '/', label: 'Home', end: true },
  { to: '/sessions', label: 'Sessions' },
  { to: '/datasets', label: 'Datasets' },
  { to: '/proposals', label: 'Proposals' },
  { to: '/instruments', label: 'Instruments' },
  { to: '/search', label: 'Search' },
];

export function Layout() {
  const { me } = useAuth();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Link to="/" className="brand" aria-label="fairbeam home">
            <span className="brand-mark" aria-hidden="true" />
            fairbeam
          </Link>
          <nav aria-label="Main" className="main-nav">
            <ul>
              {NAV.map((n) => (
                <li key={n.to}>
                  <NavLink to={n.to} end={n.end}>
                    {n.label}
                  </NavLink>
                </li>
              ))}
              {me?.kind === 'user' && decidesRequests(me.role) && (
                <li>
                  <NavLink to="/policy-requests" data-testid="nav-policy-requests">
                    Requests
                  </NavLink>
                </li>
              )}
              {managesTape(me) && (
                <li>
                  <NavLink to="/admin/tape" data-testid="nav-tape">
                    Tape
                  </NavLink>
                </li>
              )}
            </ul>
          </nav>
          <UserBox />
        </div>
      </header>
      <ScrollRestoration />
      <main id="main" className="container main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <div className="container">
          <span>fairbeam · open data from photon and neutron experiments</span>
          <a href="/api/docs">API documentation</a>
        </div>
      </footer>
    </>
  );
}

function UserBox() {
  const { me, logout } = useAuth();
  const location = useLocation();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | undefined>();
  if (me === undefined) return <div className="user-box" aria-hidden="true" />;
  const name = displayName(me);

  if (!name) {
    const next =
      location.pathname === '/login'
        ? ''
        : `?next=${encodeURIComponent(location.pathname + location.search)}`;
    return (
      <div className="user-box">
        <Link className="button button-primary button-small" to={`/login${next}`} data-testid="login-link">
          Log in
        </Link>
      </div>
    );
  }

  const onLogout = async () => {
    setBusy(true);
    setFailed(undefined);
    try {
      await logout();
    } catch (e) {
      setFailed(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="user-box">
      <span
        className="user-name"
        data-testid="current-user"
        title={me.username ? `Logged in as ${me.username}` : undefined}
      >
        <span className="avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </span>
        <span className="user-label">{name}</span>
      </span>
      <button
        type="button"
        className="button button-small"
        onClick={onLogout}
        disabled={busy}
        data-testid="logout-button"
      >
        {busy ? 'Logging out…' : 'Log out'}
      </button>
      {failed && (
        <span role="alert" className="error-text small">
          {failed}
        </span>
      )}
    </div>
  );
}
