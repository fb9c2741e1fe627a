import { useEffect, useState } from 'preact/hooks';
import { api, type Session } from './api.js';

interface Queue {
  id: string;
  name: string;
}
interface Stats {
  queueId: string;
  waiting: number;
  longestWaitSeconds: number;
  availableAgents: number;
  staffedAgents: number;
  serviceLevel: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  abandonRate: number | null;
}

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)} %`);
const seconds = (value: number | null) => (value === null ? '—' : `${Math.round(value)} s`);

/** Per queue, the last hour's figures (GET …/queues/{id}/stats), read again every 5 seconds. */
export function QueueBoard({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [rows, setRows] = useState<{ queue: Queue; stats: Stats }[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const base = `/v1/tenants/${session.tenantId}`;

  useEffect(() => {
    let stopped = false;
    async function load() {
      try {
        const { result: queues } = await api<{ result: Queue[] }>('GET', `${base}/queues?limit=200`);
        const stats = await Promise.all(queues.map((q) => api<{ result: Stats }>('GET', `${base}/queues/${q.id}/stats`)));
        if (!stopped) setRows(queues.map((queue, i) => ({ queue, stats: (stats[i] as { result: Stats }).result })));
        setProblem(null);
      } catch (error) {
        if (!stopped) setProblem((error as Error).message);
      }
    }
    void load();
    const timer = setInterval(load, 5000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [base]);

  useEffect(() => {
    document.title = 'Queues — Switchboard';
  }, []);

  return (
    <div class="board">
      <header>
        <h1>Queues</h1>
        <span>{session.user?.email ?? session.role}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      <main>
        {rows === null ? (
          <p>Loading…</p>
        ) : (
          <table>
            <caption>The last hour, per queue</caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Waiting</th>
                <th scope="col">Longest wait</th>
                <th scope="col">Service level</th>
                <th scope="col">Speed of answer</th>
                <th scope="col">Abandoned</th>
                <th scope="col">Agents available / staffed</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ queue, stats }) => (
                <tr key={queue.id}>
                  <th scope="row">{queue.name}</th>
                  <td>{stats.waiting}</td>
                  <td>{seconds(stats.longestWaitSeconds)}</td>
                  <td>{percent(stats.serviceLevel)}</td>
                  <td>{seconds(stats.averageSpeedOfAnswerSeconds)}</td>
                  <td>{percent(stats.abandonRate)}</td>
                  <td>
                    {stats.availableAgents} / {stats.staffedAgents}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </main>
    </div>
  );
}
