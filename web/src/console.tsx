import { useEffect, useState } from 'preact/hooks';
import type { Session } from './api.js';
import { InteractionsPage } from './interactions-page.js';
import { ResourcePage } from './resource-page.js';
import { resources } from './resources.js';
import { Wallboard } from './wallboard.js';

/** The admin console: the wallboard, every configuration resource, flows and interactions. */
export function Console({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [page, setPage] = useState('wallboard');
  const base = `/v1/tenants/${session.tenantId}`;
  if (page === 'wallboard') {
    return (
      <>
        <Nav page={page} setPage={setPage} />
        <Wallboard session={session} onSignOut={onSignOut} />
      </>
    );
  }
  const spec = resources.find((r) => r.path === page);
  return (
    <div class="console">
      <header>
        <h1>Console</h1>
        <span>{session.user?.email ?? session.role}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <Nav page={page} setPage={setPage} />
      <main>
        {spec ? (
          <ResourcePage base={base} spec={spec} />
        ) : page === 'flows' ? (
          <LazyFlowsPage base={base} />
        ) : (
          <InteractionsPage base={base} />
        )}
      </main>
    </div>
  );
}

function Nav({ page, setPage }: { page: string; setPage: (page: string) => void }) {
  const pages = [
    ['wallboard', 'Wallboard'],
    ...resources.slice(0, 4).map((r) => [r.path, r.title]),
    ['flows', 'Flows'],
    ...resources.slice(4).map((r) => [r.path, r.title]),
    ['interactions', 'Interactions'],
  ];
  return (
    <nav aria-label="Console">
      <ul>
        {pages.map(([id, title]) => (
          <li key={id}>
            <button
              type="button"
              class="link"
              aria-current={page === id ? 'page' : undefined}
              onClick={() => setPage(id as string)}
            >
              {title}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The flow editor brings a YAML parser (most of its weight): loaded when the page is opened. */
function LazyFlowsPage({ base }: { base: string }) {
  const [Page, setPage] = useState<typeof import('./flows-page.js').FlowsPage | null>(null);
  useEffect(() => {
    void import('./flows-page.js').then((module) => setPage(() => module.FlowsPage));
  }, []);
  return Page ? <Page base={base} /> : <p role="status">Loading the flow editor…</p>;
}
