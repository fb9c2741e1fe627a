import { useState } from 'preact/hooks';
import { ApiError, type Session, signIn } from './api.js';

/** Sign in with an email and a password, or by pasting an API key or agent token. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [withToken, setWithToken] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const session = withToken
        ? await signIn('/auth/sign-in/token', { token: String(form.get('token') ?? '') })
        : await signIn('/auth/sign-in', { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') });
      onSignedIn(session);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'The server cannot be reached.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <h1>Switchboard</h1>
      <form onSubmit={submit} aria-describedby={error ? 'sign-in-error' : undefined}>
        {withToken ? (
          <label>
            API key or agent token
            <textarea name="token" required autocomplete="off" rows={3} />
          </label>
        ) : (
          <>
            <label>
              Email
              <input name="email" type="email" required autocomplete="username" />
            </label>
            <label>
              Password
              <input name="password" type="password" required autocomplete="current-password" />
            </label>
          </>
        )}
        {error && (
          <p id="sign-in-error" role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <button type="button" class="link" onClick={() => setWithToken(!withToken)}>
          {withToken ? 'Sign in with email and password' : 'Use an API key or agent token'}
        </button>
      </form>
    </main>
  );
}
