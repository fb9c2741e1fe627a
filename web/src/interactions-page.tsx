import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import type { Item } from './resources.js';

const states = ['', 'queued', 'offered', 'connected', 'wrap_up', 'completed', 'abandoned', 'in_flow', 'undispatched', 'failed'];

/** Interactions by state, newest first as the API lists them; one opens on its record and event timeline. */
export function InteractionsPage({ base }: { base: string }) {
  const [state, setState] = useState('');
  const [customer, setCustomer] = useState('');
  const [items, setItems] = useState<Item[]>([]);
  const [open, setOpen] = useState<Item | null>(null);

  useEffect(() => {
    void api<{ result: Item[] }>('GET', `${base}/interactions?limit=200${state ? `&state=${state}` : ''}`).then(({ result }) =>
      setItems(result),
    );
  }, [base, state]);

  const shown = items.filter((i) => !customer || String(i.customer ?? '').includes(customer));
  return (
    <section aria-labelledby="interactions-heading">
      <h2 id="interactions-heading">Interactions</h2>
      <div class="filters">
        <label>
          State
          <select value={state} onChange={(e) => setState((e.currentTarget as HTMLSelectElement).value)}>
            {states.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Customer
          <input value={customer} onInput={(e) => setCustomer((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
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
          {shown.map((i) => (
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
              <td>{i.queueId ?? '—'}</td>
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
