import { useEffect, useState } from 'preact/hooks';
import { api, type Session } from './api.js';
import { connectLiveSocket, type Message } from './live-socket.js';
import { QueueChart, type SeriesPoint } from './queue-chart.js';

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${Math.round(value * 100)} %`;
const seconds = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${Math.round(value)} s`);

/**
 * The supervisor wallboard: per queue, live over the supervisor WebSocket — waiting, longest wait,
 * service level, speed of answer, abandon rate, agents — its last hour as a chart, the agents' states,
 * and why each waiting item still waits.
 */
export function Wallboard({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const base = `/v1/tenants/${session.tenantId}`;
  const [queues, setQueues] = useState<{ id: string; name: string }[]>([]);
  const [stats, setStats] = useState<Record<string, Message>>({});
  const [waiting, setWaiting] = useState<Record<string, Message[]>>({});
  const [series, setSeries] = useState<Record<string, SeriesPoint[]>>({});
  const [agents, setAgents] = useState<Message[]>([]);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    document.title = 'Wallboard — Switchboard';
    let ids: string[] = [];
    const socket = connectLiveSocket(
      `${base}/supervisors/ws`,
      (message) => {
        if (message.type === 'agents') setAgents(message.agents);
        else if (message.type === 'queue.stats') setStats((current) => ({ ...current, [message.stats.queueId]: message.stats }));
        else if (message.type === 'queue.waiting') setWaiting((current) => ({ ...current, [message.queueId]: message.waiting }));
      },
      (open) => {
        setConnected(open);
        if (open && ids.length > 0) void socket.request({ type: 'subscribe', queueIds: ids });
      },
    );
    api<{ result: { id: string; name: string }[] }>('GET', `${base}/queues?limit=100`).then(({ result }) => {
      setQueues(result);
      ids = result.map((q) => q.id);
      if (ids.length > 0) void socket.request({ type: 'subscribe', queueIds: ids });
    });
    async function loadSeries() {
      const listed = await api<{ result: { id: string }[] }>('GET', `${base}/queues?limit=100`);
      const entries = await Promise.all(
        listed.result.map(
          async (q) => [q.id, (await api<{ result: SeriesPoint[] }>('GET', `${base}/queues/${q.id}/series`)).result] as const,
        ),
      );
      setSeries(Object.fromEntries(entries));
    }
    void loadSeries().catch(() => undefined);
    const timer = setInterval(() => void loadSeries().catch(() => undefined), 60_000);
    return () => {
      clearInterval(timer);
      socket.close();
    };
  }, [base]);

  return (
    <div class="board">
      <header>
        <h1>Wallboard</h1>
        <span class={connected ? 'status online' : 'status offline'} role="status">
          {connected ? 'Live' : 'Reconnecting…'}
        </span>
        <span>{session.user?.email ?? session.role}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <table>
          <caption>Queues, live (the last hour for service level, speed of answer and abandons)</caption>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Waiting</th>
              <th scope="col">Longest wait</th>
              <th scope="col">Service level</th>
              <th scope="col">Speed of answer</th>
              <th scope="col">Abandon rate</th>
              <th scope="col">Agents available / busy / away</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((queue) => {
              const s = stats[queue.id];
              const members = agents.filter((a) => a.queueIds.includes(queue.id));
              const busy = members.filter((a) => a.holding > 0).length;
              const away = members.filter((a) => a.presence.status === 'away').length;
              return (
                <tr key={queue.id}>
                  <th scope="row">{queue.name}</th>
                  <td data-figure="waiting">{s?.waiting ?? '—'}</td>
                  <td>{seconds(s?.longestWaitSeconds)}</td>
                  <td>{percent(s?.serviceLevel)}</td>
                  <td>{seconds(s?.averageSpeedOfAnswerSeconds)}</td>
                  <td>{percent(s?.abandonRate)}</td>
                  <td>
                    {s?.availableAgents ?? '—'} / {busy} / {away}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <section aria-labelledby="charts-heading">
          <h2 id="charts-heading">The last hour</h2>
          <div class="charts">
            {queues.map((queue) =>
              series[queue.id] ? (
                <div key={queue.id}>
                  <h3>{queue.name}</h3>
                  <QueueChart name={queue.name} points={series[queue.id] as SeriesPoint[]} />
                </div>
              ) : null,
            )}
          </div>
        </section>
        <section aria-labelledby="waiting-heading">
          <h2 id="waiting-heading">Waiting, and why</h2>
          {queues.every((q) => (waiting[q.id] ?? []).length === 0) ? (
            <p>Nothing is waiting.</p>
          ) : (
            <ul class="waiting">
              {queues.flatMap((queue) =>
                (waiting[queue.id] ?? []).map((item) => (
                  <li key={item.interactionId}>
                    <strong>{queue.name}</strong> · {item.channelType} from {item.customer ?? 'unknown'}: {item.why}
                  </li>
                )),
              )}
            </ul>
          )}
        </section>
        <section aria-labelledby="agents-heading">
          <h2 id="agents-heading">Agents</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Presence</th>
                <th scope="col">Work in hand</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((agent) => (
                <tr key={agent.id}>
                  <th scope="row">{agent.name}</th>
                  <td>
                    {agent.presence.status}
                    {agent.presence.reason ? ` (${agent.presence.reason})` : ''}
                  </td>
                  <td>{agent.holding}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </main>
    </div>
  );
}
