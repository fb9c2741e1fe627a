import { useState } from 'preact/hooks';
import { ApiError, type Session, signIn } from './api.js';

/** An invitation link's token (`/app/#invitation=…`: in the fragment, so it never reaches a server log). */
function invitationToken(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get('invitation');
}

/** Sign in with an email and a password, by pasting an API key or agent token, or by accepting an invitation. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [withToken, setWithToken] = useState(false);
  const [invitation] = useState(invitationToken);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      if (invitation) {
        const password = String(form.get('password') ?? '');
        if (password !== String(form.get('again') ?? '')) throw new Error('The two passwords differ.');
        const session = await signIn('/auth/invitations/accept', { token: invitation, password });
        history.replaceState(null, '', location.pathname);
        onSignedIn(session);
        return;
      }
      const session = withToken
        ? await signIn('/auth/sign-in/token', { token: String(form.get('token') ?? '') })
        : await signIn('/auth/sign-in', { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') });
      onSignedIn(session);
    } catch (caught) {
      setError(caught instanceof ApiError || caught instanceof Error ? caught.message : 'The server cannot be reached.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <h1>Switchboard</h1>
      <form onSubmit={submit} aria-describedby={error ? 'sign-in-error' : undefined}>
        {invitation ? (
          <>
            <p>Choose your password (10 characters or more).</p>
            <label>
              Password
              <input name="password" type="password" required minLength={10} autocomplete="new-password" />
            </label>
            <label>
              Password again
              <input name="again" type="password" required minLength={10} autocomplete="new-password" />
            </label>
          </>
        ) : withToken ? (
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
          {invitation ? 'Set password and sign in' : 'Sign in'}
        </button>
        {!invitation && (
          <button type="button" class="link" onClick={() => setWithToken(!withToken)}>
            {withToken ? 'Sign in with email and password' : 'Use an API key or agent token'}
          </button>
        )}
      </form>
    </main>
  );
}
