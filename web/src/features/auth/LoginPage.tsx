import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { displayName, useAuth } from '../../api/auth.tsx';
import { ApiError } from '../../api/client.ts';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { OidcLogin } from './OidcLogin.tsx';

/** Only same-site paths, so a crafted ?next= cannot send the user to another site after login. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  useDocumentTitle('Log in');
  const { me, login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  if (me?.kind === 'user' && !busy) return <Navigate to={next} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError('Enter your user name and password.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await login(username.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'invalid_credentials'
          ? 'Unknown user name or wrong password.'
          : err instanceof ApiError && err.status === 429
            ? 'Too many attempts. Please wait a minute and try again.'
            : err instanceof Error
              ? err.message
              : String(err),
      );
      setBusy(false);
    }
  };

  return (
    <section className="login" aria-labelledby="login-title">
      <h1 id="login-title">Log in</h1>
      <p className="muted">Experimenters and facility staff can see embargoed data of their own sessions.</p>
      {me && me.kind !== 'anonymous' && (
        <p className="muted small">Currently signed in as {displayName(me)}.</p>
      )}
      <OidcLogin next={next} />
      <form onSubmit={submit} className="login-form" data-testid="login-form" noValidate>
        <div className="field">
          <label htmlFor="login-username">User name</label>
          <input
            id="login-username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="login-username"
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </div>
        {error && (
          <p className="alert alert-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button
          type="submit"
          className="button button-primary button-block"
          disabled={busy}
          data-testid="login-submit"
        >
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </section>
  );
}
