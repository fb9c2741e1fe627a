import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { CustomerRecord } from './customer-record.js';
import type { LiveSocket, Message } from './live-socket.js';

const dispositions = ['Resolved', 'Follow-up needed', 'Callback promised', 'Wrong number', 'Other'];
const conversing = new Set(['messaging', 'sms']);

/** Why the work came to this agent: the mapping, the placement, and the router's choice. */
function trailOf(interaction: Message, agentId: string): { label: string; text: string }[] {
  const trail: { label: string; text: string }[] = [];
  if (interaction.dispatch?.reason) trail.push({ label: 'Dispatch', text: interaction.dispatch.reason });
  if (interaction.placement?.reason) trail.push({ label: 'Queue', text: interaction.placement.reason });
  if (interaction.routing?.stepId) trail.push({ label: 'Flow step', text: interaction.routing.stepId });
  const offered = [...(interaction.events ?? [])]
    .reverse()
    .find((event: Message) => event.type === 'offer.created' && event.data.agentId === agentId);
  if (offered?.data.reason) trail.push({ label: 'Chosen', text: offered.data.reason });
  return trail;
}

/**
 * One piece of the agent's work: why it came to them, its conversation (live, with a box to answer on a
 * conversation), the customer's record and earlier contacts, the wrap-up (a disposition and notes) and
 * a transfer to another queue or agent.
 */
export function InteractionPanel(props: {
  tenantId: string;
  agentId: string;
  interactionId: string;
  state: string;
  socket: LiveSocket | null;
  /** Messages of this interaction pushed over the WebSocket since the panel opened. */
  live: Message[];
  onDone: (interaction: Message | null) => void;
}) {
  const { tenantId, interactionId } = props;
  const base = `/v1/tenants/${tenantId}`;
  const [interaction, setInteraction] = useState<Message | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [queues, setQueues] = useState<Message[]>([]);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    api<{ result: Message }>('GET', `${base}/interactions/${interactionId}`).then(
      ({ result }) => setInteraction(result),
      (error: Error) => setProblem(error.message),
    );
    api<{ result: Message[] }>('GET', `${base}/interactions/${interactionId}/messages?limit=200`).then(
      ({ result }) => setMessages(result),
      () => setMessages([]),
    );
    api<{ result: Message[] }>('GET', `${base}/queues?limit=200`).then(
      ({ result }) => setQueues(result),
      () => setQueues([]),
    );
  }, [base, interactionId]);

  const shown = [...messages, ...props.live.filter((m) => !messages.some((known) => known.id === m.id))];

  async function send(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const text = String(new FormData(form).get('text') ?? '').trim();
    if (!text) return;
    const result = await props.socket?.request({ type: 'send', interactionId, text });
    if (result?.ok) {
      setMessages((current) => [...current, result.message]);
      form.reset();
    } else setProblem(result?.errors?.[0]?.message ?? 'The message was not sent.');
  }

  async function complete(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const result = await props.socket?.request({
      type: 'complete',
      interactionId,
      disposition: String(form.get('disposition') ?? '') || null,
      notes: String(form.get('notes') ?? '') || null,
    });
    if (result?.ok) props.onDone(result.interaction);
    else setProblem(result?.errors?.[0]?.message ?? 'The work did not complete.');
  }

  async function transfer(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const queueId = String(form.get('queueId') ?? '');
    const agentId = String(form.get('agentId') ?? '').trim();
    try {
      // To an agent (by email, id or employee id) first, in the chosen queue.
      await api('POST', `${base}/interactions/${interactionId}/transfers`, { queueId, ...(agentId ? { agentId } : {}) });
      props.onDone(null);
    } catch (error) {
      setProblem((error as Error).message);
    }
  }

  if (!interaction)
    return <section aria-label="Interaction">{problem ? <p role="alert">{problem}</p> : <p>Loading…</p>}</section>;
  const trail = trailOf(interaction, props.agentId);
  return (
    <section class="panel" aria-labelledby="panel-heading">
      <h2 id="panel-heading">
        {interaction.channelType} · {interaction.customer ?? 'unknown customer'}
      </h2>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      <CustomerRecord base={base} interactionId={interactionId} />
      <h3>Why it came to me</h3>
      <dl class="trail">
        {trail.map((step) => (
          <Fragment key={step.label}>
            <dt>{step.label}</dt>
            <dd>{step.text}</dd>
          </Fragment>
        ))}
      </dl>
      {(conversing.has(interaction.channelType) || shown.length > 0) && (
        <>
          <h3>Conversation</h3>
          <ol class="conversation" aria-live="polite">
            {shown.map((message) => (
              <li key={message.id} class={message.direction === 'inbound' ? 'inbound' : 'outbound'}>
                <span class="author">{message.author}</span> {message.text}
              </li>
            ))}
          </ol>
          {conversing.has(interaction.channelType) && props.state === 'connected' && (
            <form onSubmit={send} class="send">
              <label>
                Reply
                <textarea name="text" rows={2} maxLength={4096} />
              </label>
              <button type="submit">Send</button>
            </form>
          )}
        </>
      )}
      {props.state === 'wrap_up' && (
        <form onSubmit={complete} class="wrap-up">
          <h3>Wrap-up</h3>
          <label>
            Disposition
            <select name="disposition">
              <option value="">—</option>
              {dispositions.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <label>
            Notes
            <textarea name="notes" rows={3} maxLength={4000} />
          </label>
          <button type="submit">Complete</button>
        </form>
      )}
      {props.state === 'connected' && queues.length > 0 && (
        <form onSubmit={transfer} class="transfer">
          <label>
            Transfer to queue
            <select name="queueId">
              {queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            To an agent first (email, optional)
            <input name="agentId" type="text" maxLength={320} />
          </label>
          <button type="submit" class="secondary">
            Transfer
          </button>
        </form>
      )}
      <h3>This interaction’s history</h3>
      <ol class="timeline">
        {(interaction.events ?? []).map((event: Message) => (
          <li key={event.seq}>
            <time dateTime={event.at}>{new Date(event.at).toLocaleTimeString()}</time> {event.type}
          </li>
        ))}
      </ol>
    </section>
  );
}
