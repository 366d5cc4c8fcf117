import { useSearchParams } from 'react-router';
import { api } from '../../api/endpoints.ts';
import { useResource } from '../../api/hooks.ts';

/** What a failed single sign-on (the server's `?oidc_error=<code>` on the way back) means to the user. */
const OIDC_ERRORS: Record<string, string> = {
  oidc_access_denied: 'The sign-in was cancelled at the identity provider.',
  oidc_state_invalid: 'The sign-in took too long or was started elsewhere. Please try again.',
  oidc_code_rejected: 'The identity provider did not accept the sign-in. Please try again.',
  oidc_token_invalid: 'The answer from the identity provider could not be verified. Please try again.',
  oidc_unavailable:
    'The identity provider cannot be reached right now. Try again later or use your password.',
  oidc_email_ambiguous: 'Several accounts have your email address; please ask the facility to link yours.',
  oidc_account_linked:
    'Your account is already linked to another identity; please ask the facility for help.',
};

/** "Log in with <provider>" when the server offers OpenID Connect, plus the reason a last attempt failed. */
export function OidcLogin({ next }: { next: string }) {
  const [params] = useSearchParams();
  const info = useResource((signal) => api.oidc(signal), []);
  const failed = params.get('oidc_error');
  return (
    <>
      {failed && (
        <p className="alert alert-error" role="alert" data-testid="oidc-error">
          {OIDC_ERRORS[failed] ?? 'Single sign-on failed. Please try again or use your password.'}
        </p>
      )}
      {info.data?.enabled && info.data.loginUrl && (
        <p className="login-sso">
          <a
            className="button button-block"
            href={`${info.data.loginUrl}?returnTo=${encodeURIComponent(next)}`}
            data-testid="oidc-login"
          >
            Log in with {info.data.name}
          </a>
        </p>
      )}
    </>
  );
}
