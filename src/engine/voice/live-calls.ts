import { AppError } from '../../core/errors.js';
import type { Agent, Channel, Interaction, ProviderType, Tenant, VoiceEndpoint } from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { AgentCalls } from '../callbacks/agent-calls.js';
import type { FlowRunner } from '../flow-runner.js';
import type { HttpClient } from '../http-client.js';
import type { InteractionService } from '../interaction-service.js';
import type { ChannelProviders } from '../messaging/channel-providers.js';
import type { Router } from '../router-service.js';
import type { VoiceProvider } from './voice-provider.js';

/**
 * Live calls: calls whose audio a voice provider carries (Twilio) while Switchboard decides, turn by
 * turn, what the caller hears and does. Each time the provider asks, the answer is a `CallTurn`: the
 * prompts the flow spoke since the provider last asked, then one instruction for what the interaction
 * waits for — collect input, hold in queue, record a voicemail, ring the agent who accepted, or hang up.
 * The provider adapter turns a turn into its own language (TwiML). Nothing here is stored beyond the
 * interaction: the provider's URLs carry `after`, the last event the caller was told about.
 */

export type CallInstruction =
  /** A collectInput step waits: digits (DTMF) or words (speech). */
  | { kind: 'gather'; input: 'digits' | 'speech'; maxDigits: number | null; timeoutSeconds: number }
  /** Waiting in a queue (or being offered to an agent): hold, told the place in line when known. */
  | { kind: 'hold'; position: number | null }
  /** The flow is busy (an HTTP look-up, an invitation): a moment, then ask again. */
  | { kind: 'pause' }
  /** An agent accepted: ring them and connect the caller. */
  | { kind: 'bridge'; agentId: string; endpoint: VoiceEndpoint; callerId: string | null }
  /** An agent's outbound call, the agent on the line: dial the customer from the line. */
  | { kind: 'dialCustomer'; number: string; callerId: string | null }
  /** A voicemail step: record after the prompt, at most this long. */
  | { kind: 'record'; prompt: string | null; maxSeconds: number }
  /** Nothing more for the caller (the flow ended, a callback was promised, the call is over). */
  | { kind: 'hangup' };

export interface CallTurn {
  interactionId: string;
  /** What the flow spoke since `after`, in order: text to say, or an audio URL to play. */
  prompts: string[];
  instruction: CallInstruction;
  /** The last event covered by this turn: the next request asks for what follows it. */
  after: number;
}

/** A caller's hang-up or a failed call, as the provider reports it. */
export type CallEnd = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

const waitingStates = new Set(['created', 'dispatched', 'undispatched', 'in_flow', 'queued', 'offered']);
/** How far down a queue positions are counted; further back the caller hears no number. */
const positionsCounted = 200;

/** Where an agent is rung: their voice endpoint, else the Client identity that is their id. */
export function endpointOf(agent: Agent): VoiceEndpoint {
  return agent.voiceEndpoint ?? { type: 'client', address: agent.id };
}

export function createLiveCalls(deps: {
  store: Store;
  interactions: InteractionService;
  flows: FlowRunner;
  router: Router;
  channelProviders: ChannelProviders;
  voiceProviders: ReadonlyMap<ProviderType, VoiceProvider>;
  agentCalls: AgentCalls;
  http: HttpClient;
}) {
  const { store, interactions, flows, router } = deps;

  /** Runs an action that may find the interaction moved on (a timer fired first): that is not an error. */
  async function tolerate(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
    }
  }

  async function instructionFor(tenant: Tenant, interaction: Interaction): Promise<CallInstruction> {
    const { state } = interaction;
    if (interaction.outboundCall) {
      const dialing = state === 'connected' && interaction.outboundCall.status === 'dialing' && interaction.customer;
      return dialing
        ? { kind: 'dialCustomer', number: interaction.customer as string, callerId: interaction.contactPoint }
        : { kind: 'hangup' };
    }
    if (state === 'in_flow') {
      const step = await flows.waitingStep(tenant.id, interaction.flowRun);
      if (step?.type === 'collectInput') {
        return {
          kind: 'gather',
          input: step.inputType === 'text' ? 'speech' : 'digits',
          maxDigits: step.maxDigits ?? null,
          timeoutSeconds: step.timeoutSeconds ?? 10,
        };
      }
      return { kind: 'pause' };
    }
    if (state === 'created' || state === 'dispatched') return { kind: 'pause' };
    if (state === 'queued' || state === 'offered') {
      const waiting = interaction.queueId
        ? await store.listQueueWaiting(tenant.id, interaction.queueId, { limit: positionsCounted, includeNoReplyNeeded: true })
        : [];
      const index = waiting.findIndex((item) => item.id === interaction.id);
      return { kind: 'hold', position: index >= 0 ? index + 1 : null };
    }
    if (state === 'connected' && interaction.agentId) {
      const agent = await store.agents.get(tenant.id, interaction.agentId);
      const endpoint = agent ? endpointOf(agent) : null;
      // A phone number is rung from the number called (a provider's own); a Client or SIP address sees the caller.
      const callerId = endpoint?.type === 'number' ? interaction.contactPoint : interaction.customer;
      if (agent && endpoint) return { kind: 'bridge', agentId: agent.id, endpoint, callerId };
    }
    if (state === 'voicemail' && interaction.awaitedVoicemail) {
      const asked = [...(await store.listInteractionEvents(tenant.id, interaction.id))]
        .reverse()
        .find((event) => event.type === 'interaction.voicemail');
      return {
        kind: 'record',
        prompt: typeof asked?.data.prompt === 'string' ? asked.data.prompt : null,
        maxSeconds: typeof asked?.data.maxSeconds === 'number' ? asked.data.maxSeconds : 120,
      };
    }
    return { kind: 'hangup' };
  }

  /** What the caller hears and does next: the prompts since `after`, then what the interaction waits for. */
  async function turn(tenant: Tenant, interactionId: string, after: number): Promise<CallTurn> {
    const interaction = await store.getInteraction(tenant.id, interactionId);
    if (!interaction) return { interactionId, prompts: [], instruction: { kind: 'hangup' }, after };
    const events = await store.listInteractionEvents(tenant.id, interactionId);
    const prompts = events
      .filter((event) => event.seq > after && event.type === 'flow.prompt' && typeof event.data.text === 'string')
      .map((event) => event.data.text as string);
    const last = events.at(-1)?.seq ?? after;
    return { interactionId, prompts, instruction: await instructionFor(tenant, interaction), after: Math.max(after, last) };
  }

  /** The live call behind a provider's call id, in this tenant. */
  async function byCallSid(tenant: Tenant, callSid: string): Promise<Interaction | null> {
    const found = await store.findInteractionByIdempotencyKey(tenant.id, callKey(callSid));
    return found ? store.getInteraction(tenant.id, found.interactionId) : null;
  }

  return {
    turn,
    byCallSid,

    /**
     * An agent accepted a live call: its provider fetches the next turn now, which rings the agent. If
     * the provider cannot be told, the caller's hold loop fetches it at its next request.
     */
    async accepted(interaction: Interaction): Promise<void> {
      const live = interaction.liveCall;
      if (!live) return;
      const resolved = await deps.channelProviders.resolve(interaction.tenantId, live.channelId);
      const provider = resolved ? deps.voiceProviders.get(live.provider) : undefined;
      const tenant = await store.getTenant(interaction.tenantId);
      if (!resolved || !provider || !tenant) return;
      const events = await store.listInteractionEvents(tenant.id, interaction.id);
      await provider.fetchNextTurn({
        settings: resolved.channel.provider?.settings ?? {},
        secrets: resolved.secrets,
        tenantId: tenant.id,
        channelId: live.channelId,
        interactionId: interaction.id,
        callSid: live.callSid,
        after: events.findLast((event) => event.type === 'flow.prompt')?.seq ?? 0,
        http: deps.http,
        allowPrivateNetwork: tenant.allowPrivateNetworkRequests,
      });
    },

    /**
     * A call comes in: the voice interaction (the provider's call id is its idempotency key, so a retried
     * webhook finds the same call), dispatched and run up to its first wait.
     */
    async incoming(
      tenant: Tenant,
      channel: Channel,
      call: { callSid: string; from: string; to: string; provider: ProviderType },
    ): Promise<CallTurn> {
      const { interaction } = await interactions.create(
        tenant,
        { channelType: 'voice', direction: 'inbound', customer: call.from, contactPoint: call.to, source: call.provider },
        callKey(call.callSid),
        { liveCall: { provider: call.provider, channelId: channel.id, callSid: call.callSid } },
      );
      return turn(tenant, interaction.id, 0);
    },

    /** The caller's input for a collectInput step; none (silence) is the step's time-out, at once. */
    async gathered(tenant: Tenant, interactionId: string, value: string | null, after: number): Promise<CallTurn> {
      const interaction = await store.getInteraction(tenant.id, interactionId);
      const waiting = interaction?.flowRun?.waiting;
      if (waiting?.kind === 'input') {
        if (value !== null && value !== '') await tolerate(() => flows.input(tenant, interactionId, value));
        else await tolerate(() => flows.deliver(tenant.id, interactionId, { type: 'timer', timerId: waiting.timerId }));
      }
      return turn(tenant, interactionId, after);
    },

    /** The recording a voicemail step asked for: it becomes the voicemail's work. */
    async recorded(
      tenant: Tenant,
      interactionId: string,
      recording: { recordingUrl: string; durationSeconds: number | null },
      after: number,
    ): Promise<CallTurn> {
      await tolerate(() => interactions.recordVoicemail(tenant, interactionId, recording));
      return turn(tenant, interactionId, after);
    },

    /**
     * A `<Dial>` ended. For an inbound call, the agent's leg: answered and over, the conversation ended
     * (by the agent: the caller is still on the line); not answered (busy, no answer, failed), the work
     * goes back to its place in the queue, offered to others first, and the agent is away
     * (not_responding) when the queue makes agents who let offers expire away. For an agent's outbound call, the customer's leg: how
     * the call went (answered and over, or why nobody answered).
     */
    async dialEnded(tenant: Tenant, interactionId: string, status: string, after: number): Promise<CallTurn> {
      const interaction = await store.getInteraction(tenant.id, interactionId);
      if (interaction?.outboundCall) {
        const reported = status === 'answered' ? 'completed' : status;
        if (isCallEnd(reported)) await tolerate(() => deps.agentCalls.callStatus(tenant, interactionId, reported, null));
        return turn(tenant, interactionId, after);
      }
      if (interaction?.state === 'connected' && interaction.agentId) {
        const agentId = interaction.agentId;
        if (status === 'completed' || status === 'answered') {
          await tolerate(() => router.end(tenant.id, interactionId, 'agent', null));
        } else {
          await tolerate(() => router.requeue(tenant.id, interactionId, null));
          // As an expired offer does: the agent is away when the queue says so.
          const queue = interaction.queueId ? await store.queues.get(tenant.id, interaction.queueId) : null;
          if (queue?.routing.awayOnOfferTimeout) {
            await tolerate(() => router.setPresence(tenant.id, agentId, 'away', 'not_responding'));
          }
        }
      }
      return turn(tenant, interactionId, after);
    },

    /** An agent's outbound call: the customer answered. */
    async customerAnswered(tenant: Tenant, interactionId: string): Promise<void> {
      await tolerate(() => deps.agentCalls.callStatus(tenant, interactionId, 'in-progress', null));
    },

    /**
     * An agent's outbound call: the agent's own leg ended. Before the customer was dialled (the agent did
     * not answer, or hung up first), the call never reached the customer: canceled.
     */
    async agentLegStatus(tenant: Tenant, interactionId: string, status: string): Promise<void> {
      const interaction = await store.getInteraction(tenant.id, interactionId);
      if (interaction?.outboundCall?.status === 'dialing' && isCallEnd(status)) {
        await tolerate(() => deps.agentCalls.callStatus(tenant, interactionId, 'canceled', null));
      }
    },

    /** The caller's call ended: waiting, it is abandoned (a missed call); talking, the conversation ended. */
    async callEnded(tenant: Tenant, callSid: string): Promise<void> {
      const interaction = await byCallSid(tenant, callSid);
      if (!interaction) return;
      if (waitingStates.has(interaction.state)) await tolerate(() => router.abandon(tenant.id, interaction.id));
      else if (interaction.state === 'connected') await tolerate(() => router.end(tenant.id, interaction.id, 'customer', null));
    },
  };
}

function isCallEnd(status: string): status is CallEnd {
  return ['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status);
}

/** The idempotency key of a provider's call: a retried webhook finds the interaction it made. */
function callKey(callSid: string): string {
  return `live-call:${callSid}`;
}

export type LiveCalls = ReturnType<typeof createLiveCalls>;
