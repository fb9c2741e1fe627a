import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import type { Item } from './resources.js';

const states = ['', 'queued', 'offered', 'connected', 'wrap_up', 'completed', 'abandoned', 'in_flow', 'undispatched', 'failed'];

/** `datetime-local` input (the browser's time zone) as ISO UTC, or nothing. */
const iso = (local: string) => (local ? new Date(local).toISOString() : '');

/**
 * Interactions found by state, queue, customer and creation time (searched by the server), newest
 * first as the API lists them; one opens on its record and event timeline.
 */
export function InteractionsPage({ base }: { base: string }) {
  const [filters, setFilters] = useState({ state: '', queueId: '', customer: '', createdFrom: '', createdBefore: '' });
  const [queues, setQueues] = useState<Item[]>([]);
  const [items, setItems] = useState<Item[]>([]);
  const [open, setOpen] = useState<Item | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  // Only the latest search's answer is shown (an earlier one may arrive after it).
  const latest = useRef(0);
  async function search() {
    const asked = ++latest.current;
    const query = new URLSearchParams({ limit: '200' });
    for (const [name, value] of Object.entries(filters)) {
      const sent = name.startsWith('created') ? iso(value) : value.trim();
      if (sent) query.set(name, sent);
    }
    try {
      const { result } = await api<{ result: Item[] }>('GET', `${base}/interactions?${query}`);
      if (asked !== latest.current) return;
      setItems(result);
      setProblem(null);
    } catch (error) {
      setProblem((error as Error).message);
    }
  }
  useEffect(() => {
    void search();
    void api<{ result: Item[] }>('GET', `${base}/queues?limit=200`).then(({ result }) => setQueues(result));
  }, [base]);

  const set = (name: keyof typeof filters) => (e: Event) =>
    setFilters({ ...filters, [name]: (e.currentTarget as HTMLInputElement).value });
  const queueName = (id: string | null) => queues.find((q) => q.id === id)?.name ?? id ?? '—';
  return (
    <section aria-labelledby="interactions-heading">
      <h2 id="interactions-heading">Interactions</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <label for="filter-state">State</label>
        <select id="filter-state" value={filters.state} onChange={set('state')}>
          {states.map((s) => (
            <option key={s} value={s}>
              {s || 'any'}
            </option>
          ))}
        </select>
        <label for="filter-queueId">Queue</label>
        <select id="filter-queueId" value={filters.queueId} onChange={set('queueId')}>
          <option value="">any</option>
          {queues.map((q) => (
            <option key={q.id} value={q.id}>
              {q.name}
            </option>
          ))}
        </select>
        <label for="filter-customer">Customer</label>
        <input id="filter-customer" value={filters.customer} onInput={set('customer')} placeholder="+15065550100" />
        <label for="filter-createdFrom">Created from</label>
        <input id="filter-createdFrom" type="datetime-local" value={filters.createdFrom} onInput={set('createdFrom')} />
        <label for="filter-createdBefore">Created before</label>
        <input id="filter-createdBefore" type="datetime-local" value={filters.createdBefore} onInput={set('createdBefore')} />
        <button type="submit">Search</button>
      </form>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Channel</th>
            <th scope="col">Customer</th>
            <th scope="col">State</th>
            <th scope="col">Queue</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id}>
              <td>
                <button
                  type="button"
                  class="link"
                  onClick={async () => setOpen((await api<{ result: Item }>('GET', `${base}/interactions/${i.id}`)).result)}
                >
                  {new Date(i.createdAt).toLocaleString()}
                </button>
              </td>
              <td>{i.channelType}</td>
              <td>{i.customer ?? '—'}</td>
              <td>{i.state}</td>
              <td>{queueName(i.queueId)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && (
        <article class="record" aria-label="Interaction record">
          <h3>Timeline</h3>
          <ol class="timeline">
            {(open.events ?? []).map((event: Item) => (
              <li key={event.seq}>
                <time dateTime={event.at}>{new Date(event.at).toLocaleTimeString()}</time> {event.type}
              </li>
            ))}
          </ol>
          <h3>Record</h3>
          <pre>{JSON.stringify({ ...open, events: undefined }, null, 2)}</pre>
        </article>
      )}
    </section>
  );
}
