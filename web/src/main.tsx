import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AgentDesktop } from './agent-desktop.js';
import { currentSession, type Session, signOut } from './api.js';
import { QueueBoard } from './queue-board.js';
import { SignIn } from './sign-in.js';

/** The app: sign-in, then the screen of the session's role. */
function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    currentSession().then(setSession, () => setSession(null));
  }, []);
  async function leave() {
    await signOut().catch(() => undefined);
    setSession(null);
  }
  if (session === undefined) return <p>Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  if (session.role === 'agent') return <AgentDesktop session={session} onSignOut={leave} />;
  return <QueueBoard session={session} onSignOut={leave} />;
}

render(<App />, document.getElementById('app') as HTMLElement);
