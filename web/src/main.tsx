import { type FunctionComponent, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AgentDesktop } from './agent-desktop.js';
import { currentSession, type Session, signOut } from './api.js';
import { SignIn } from './sign-in.js';

type Screen = FunctionComponent<{ session: Session; onSignOut: () => void }>;

/** The app: sign-in, then the screen of the session's role (the wallboard and the console loaded only for those who see them). */
function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [wallboard, setWallboard] = useState<Screen | null>(null);
  useEffect(() => {
    currentSession().then(setSession, () => setSession(null));
  }, []);
  useEffect(() => {
    if (session && session.role !== 'agent' && !wallboard) {
      // Administrators get the console (with the wallboard in it); supervisors the wallboard.
      if (session.role === 'supervisor') void import('./wallboard.js').then((module) => setWallboard(() => module.Wallboard));
      else void import('./console.js').then((module) => setWallboard(() => module.Console));
    }
  }, [session, wallboard]);
  async function leave() {
    await signOut().catch(() => undefined);
    setSession(null);
  }
  if (session === undefined) return <p>Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  if (session.role === 'agent') return <AgentDesktop session={session} onSignOut={leave} />;
  const Wallboard = wallboard;
  return Wallboard ? <Wallboard session={session} onSignOut={leave} /> : <p>Loading…</p>;
}

render(<App />, document.getElementById('app') as HTMLElement);
