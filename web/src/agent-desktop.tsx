import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Session } from './api.js';
import { InteractionPanel } from './interaction-panel.js';
import { connectLiveSocket, type LiveSocket, type Message } from './live-socket.js';

interface Offered {
  offer: { id: string; offeredAt: string; expiresAt: string };
  interaction: Message;
  /** When this page learnt of it (by its own clock): the countdown runs from here, whatever the clocks say. */
  receivedAt: number;
}

/** Seconds left to answer: the offer's own length, less what passed since it arrived here. */
function secondsLeft({ offer, receivedAt }: Offered, now: number): number {
  const length = Date.parse(offer.expiresAt) - Date.parse(offer.offeredAt);
  return Math.max(0, Math.ceil((length - Math.max(0, now - receivedAt)) / 1000));
}

const presences = [
  { value: 'available', label: 'Available' },
  { value: 'away:break', label: 'Away — break' },
  { value: 'away:lunch', label: 'Away — lunch' },
  { value: 'away:training', label: 'Away — training' },
  { value: 'offline', label: 'Offline' },
] as const;

/** A short beep for a new offer (browsers play it once the page has been interacted with). */
function beep(): void {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    tone.frequency.value = 880;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.2);
  } catch {
    // No audio here: the title still says there is an offer.
  }
}

const channels: Record<string, string> = {
  voice: 'Call',
  sms: 'SMS',
  messaging: 'Message',
  email: 'Email',
  'work-item': 'Work item',
};

function describe(interaction: Message): string {
  const what = interaction.callback
    ? 'Callback to'
    : interaction.voicemail
      ? 'Voicemail from'
      : `${channels[interaction.channelType] ?? 'Work'} from`;
  return `${what} ${interaction.customer ?? 'an unknown customer'}`;
}

/** The agent desktop: presence, offers with their countdown, the agent's work, over the agent WebSocket. */
export function AgentDesktop({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [connected, setConnected] = useState(false);
  const [agent, setAgent] = useState<Message | null>(null);
  const [offers, setOffers] = useState<Offered[]>([]);
  const [held, setHeld] = useState<Message[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const [selected, setSelected] = useState<string | null>(null);
  const [live, setLive] = useState<Record<string, Message[]>>({});
  const socket = useRef<LiveSocket | null>(null);

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const connection = connectLiveSocket(
      `/v1/tenants/${session.tenantId}/agents/ws`,
      (message) => {
        if (message.type === 'hello') {
          setAgent(message.agent);
          setOffers(message.offers.map((offered: Offered) => ({ ...offered, receivedAt: Date.now() })));
          setHeld(message.held);
        } else if (message.type === 'offer') {
          const offered = { offer: message.offer, interaction: message.interaction, receivedAt: Date.now() };
          setOffers((current) => [...current.filter((o) => o.interaction.id !== message.interaction.id), offered]);
          beep();
        } else if (['offer.expired', 'offer.rescinded', 'offer.rejected'].includes(message.type)) {
          setOffers((current) => current.filter((o) => o.interaction.id !== message.interactionId));
        } else if (message.type === 'presence') {
          setAgent((current) => (current ? { ...current, presence: message.presence } : current));
        } else if (message.type === 'message') {
          setLive((current) => ({
            ...current,
            [message.interactionId]: [...(current[message.interactionId] ?? []), message.message],
          }));
        }
      },
      setConnected,
    );
    socket.current = connection;
    return () => {
      clearInterval(tick);
      connection.close();
    };
  }, [session.tenantId]);

  useEffect(() => {
    document.title = offers.length > 0 ? `(${offers.length}) New offer — Switchboard` : 'Agent desktop — Switchboard';
  }, [offers.length]);

  async function act(type: string, interactionId: string) {
    setProblem(null);
    const result = await socket.current?.request({ type, interactionId });
    if (!result?.ok) {
      setProblem(result?.errors?.[0]?.message ?? 'The request failed.');
      return;
    }
    settle(interactionId, result.interaction as Message);
    if (type === 'accept') setSelected(interactionId);
  }

  /** The work after a change: kept while connected or in wrap-up, gone once done or handed on. */
  function settle(interactionId: string, interaction: Message | null) {
    setOffers((current) => current.filter((o) => o.interaction.id !== interactionId));
    setHeld((current) => {
      const others = current.filter((i) => i.id !== interactionId);
      return interaction && ['connected', 'wrap_up'].includes(interaction.state) ? [...others, interaction] : others;
    });
    if (!interaction || !['connected', 'wrap_up'].includes(interaction.state)) setSelected(null);
  }

  async function setPresence(value: string) {
    const [status, reason] = value.split(':');
    const result = await socket.current?.request({ type: 'presence', status, ...(reason ? { reason } : {}) });
    if (result?.ok) setAgent((current) => (current ? { ...current, presence: result.presence } : current));
    else setProblem(result?.errors?.[0]?.message ?? 'The presence did not change.');
  }

  const presenceValue = useMemo(() => {
    const presence = agent?.presence;
    if (!presence) return 'offline';
    return presence.status === 'away' ? `away:${presence.reason ?? 'break'}` : presence.status;
  }, [agent]);

  return (
    <div class="desktop">
      <header>
        <h1>{agent ? agent.name : 'Agent desktop'}</h1>
        <label>
          Presence
          <select
            value={presenceValue}
            onChange={(e) => setPresence((e.currentTarget as HTMLSelectElement).value)}
            disabled={!connected}
          >
            {presences.map((p) => (
              <option value={p.value} key={p.value}>
                {p.label}
              </option>
            ))}
            {agent?.presence?.reason === 'not_responding' && <option value="away:not_responding">Away — not responding</option>}
          </select>
        </label>
        <span class={connected ? 'status online' : 'status offline'} role="status">
          {connected ? 'Connected' : 'Reconnecting…'}
        </span>
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
        <section aria-labelledby="offers-heading">
          <h2 id="offers-heading">Offers</h2>
          {offers.length === 0 ? (
            <p>No offers.</p>
          ) : (
            <ul class="cards">
              {offers.map((offered) => {
                const { interaction } = offered;
                const seconds = secondsLeft(offered, now);
                return (
                  <li class="card offer" key={interaction.id}>
                    <p class="what">{describe(interaction)}</p>
                    <p>{seconds} seconds left to answer</p>
                    <button type="button" onClick={() => act('accept', interaction.id)}>
                      Accept
                    </button>
                    <button type="button" class="secondary" onClick={() => act('reject', interaction.id)}>
                      Reject
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </section>
        <section aria-labelledby="work-heading">
          <h2 id="work-heading">My work</h2>
          {held.length === 0 ? (
            <p>Nothing in hand.</p>
          ) : (
            <ul class="cards">
              {held.map((interaction) => (
                <li class="card" key={interaction.id}>
                  <p class="what">{describe(interaction)}</p>
                  <p>{interaction.state === 'wrap_up' ? 'Wrap-up' : 'Connected'}</p>
                  {interaction.state === 'connected' && (
                    <button type="button" onClick={() => act('end', interaction.id)}>
                      End
                    </button>
                  )}
                  <button
                    type="button"
                    class="secondary"
                    aria-pressed={selected === interaction.id}
                    onClick={() => setSelected(selected === interaction.id ? null : interaction.id)}
                  >
                    Details
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        {selected && held.some((i) => i.id === selected) && (
          <InteractionPanel
            key={selected}
            tenantId={session.tenantId ?? ''}
            agentId={agent?.id ?? ''}
            interactionId={selected}
            state={held.find((i) => i.id === selected)?.state ?? ''}
            socket={socket.current}
            live={live[selected] ?? []}
            onDone={(interaction) => settle(selected, interaction)}
          />
        )}
      </main>
    </div>
  );
}
