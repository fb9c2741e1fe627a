import { normalizePhoneNumber } from '../../core/address.js';
import { type CallbackAttempt, isUnanswered, type OutboundCallStatus, withAttemptOutcome } from '../../core/callbacks.js';
import { AppError, apiError, notFound } from '../../core/errors.js';
import {
  type Interaction,
  interactionEvent,
  type OutboxItem,
  type Tenant,
  unplaced,
  untouchedRouting,
} from '../../core/model.js';
import type { InteractionChange, Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { IdGenerator } from '../id-generator.js';
import type { InteractionService, InteractionView } from '../interaction-service.js';
import type { Router } from '../router-service.js';
import type { CallbackService } from './callback-service.js';

type Body = Record<string, unknown>;

export interface AgentCallDeps {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  interactions: InteractionService;
  router: Router;
  callbacks: CallbackService;
  /** Told after every committed interaction change (the router, webhooks, the telephony API). */
  committed(interaction: Interaction): void;
  /** The channel of a line whose voice provider places calls (Twilio); null: the agent's phone dials itself. */
  placingChannel(tenantId: string, line: string | null): Promise<string | null>;
  onOutbox(items: OutboxItem[]): void;
}

const concurrent = () =>
  new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed while this request ran; retry.'));

/**
 * The calls agents place (POST …/outbound-calls): a voice interaction (direction agent-initiated) the
 * agent holds from the start, `dialing` until the provider reports how it goes (`callStatus`). For a
 * callback the agent accepted, the call is its next attempt: the callback is done with in the same change
 * and the call carries the attempt; an attempt nobody answered schedules the next callback. Each call is
 * an interaction of its own, exported like any call. On a line with a voice provider, the provider places
 * the call, agent first, through the outbox.
 */
export function createAgentCalls(deps: AgentCallDeps) {
  const { store, clock, newId, interactions, router } = deps;

  async function load(tenant: Tenant, id: string): Promise<Interaction> {
    const interaction = await store.getInteraction(tenant.id, id);
    if (!interaction) throw notFound('interaction');
    return interaction;
  }

  const calls = {
    /**
     * An agent places an outbound call (POST …/outbound-calls): a voice interaction (direction
     * agent-initiated) the agent holds from the start, `dialing` until the provider reports. For a
     * callback the agent accepted, the call is its next attempt: the callback is done with (completed)
     * in the same change and the call carries on its attempt.
     */
    async placeCall(tenant: Tenant, agentId: string, body: Body): Promise<InteractionView> {
      const agent = await store.findAgent(tenant.id, agentId);
      if (!agent) throw new AppError(apiError('AGENT_NOT_FOUND', 'No agent with this id in the tenant.', 'agentId'));
      const callbackId = typeof body.callbackId === 'string' ? body.callbackId : null;
      const source = callbackId ? await store.getInteraction(tenant.id, callbackId) : null;
      if (callbackId && !source) throw new AppError(apiError('NOT_FOUND', 'No interaction with this callbackId.', 'callbackId'));
      if (source && !source.callback) {
        throw new AppError(apiError('NOT_A_CALLBACK', 'callbackId names an interaction that is not a callback.', 'callbackId'));
      }
      if (source && (source.state !== 'connected' || source.agentId !== agent.id)) {
        throw new AppError(
          apiError('CALLBACK_NOT_HELD', 'The callback is not connected to this agent: accept its offer first.', 'callbackId'),
        );
      }
      const given = typeof body.to === 'string' && body.to.trim() !== '' ? body.to : (source?.callback?.number ?? null);
      if (!given) throw new AppError(apiError('REQUIRED', 'to is required: the number to call.', 'to'));
      const to = normalizePhoneNumber(given, tenant.defaultCountry);
      if (!to) throw new AppError(apiError('INVALID_VALUE', 'to must be a phone number.', 'to'));
      const fromGiven = typeof body.from === 'string' && body.from.trim() !== '' ? body.from : null;
      const from = fromGiven ? normalizePhoneNumber(fromGiven, tenant.defaultCountry) : (source?.contactPoint ?? null);
      if (fromGiven && !from) throw new AppError(apiError('INVALID_VALUE', 'from must be a phone number.', 'from'));

      const now = clock.now();
      const attempt = source?.callback ? source.callback.attempts.length + 1 : null;
      const call: Interaction = {
        id: newId(),
        tenantId: tenant.id,
        channelType: 'voice',
        medium: null,
        direction: 'agent-initiated',
        customer: to,
        contactPoint: from,
        source: 'agent',
        attributes: source ? { callbackId: source.id } : {},
        priority: source?.priority ?? 0,
        state: 'connected',
        ...unplaced(),
        // A callback's call keeps its queue: the queue's wrap-up applies to it.
        queueId: source?.queueId ?? null,
        unansweredSince: null,
        noReplyNeeded: false,
        ...untouchedRouting(),
        agentId: agent.id,
        // Set when the customer answers.
        connectedAt: null,
        parentInteractionId: source?.id ?? null,
        ...(source?.contactId ? { contactId: source.contactId } : {}),
        outboundCall: { status: 'dialing', callbackId: source?.id ?? null, attempt },
        revision: 1,
        createdAt: now,
        updatedAt: now,
      };
      // On a line with a voice provider, the provider places the call (agent first), through the outbox.
      const channelId = await deps.placingChannel(tenant.id, from);
      const placing: OutboxItem[] = channelId
        ? [
            {
              id: newId(),
              tenantId: tenant.id,
              orderingKey: call.id,
              destination: 'voice-call',
              payload: { interactionId: call.id, channelId },
              attempts: 0,
              nextAttemptAt: now,
              lastError: null,
              state: 'pending',
              createdAt: now,
            },
          ]
        : [];
      const changes: InteractionChange[] = [
        {
          interaction: call,
          outbox: placing,
          events: [
            interactionEvent(call.id, 'interaction.created', now, {
              channelType: 'voice',
              direction: call.direction,
              customer: to,
              contactPoint: from,
              source: 'agent',
            }),
            interactionEvent(call.id, 'call.dialing', now, { agentId: agent.id, to, callbackId: source?.id ?? null, attempt }),
          ],
        },
      ];
      if (source?.callback && attempt !== null) {
        const started: CallbackAttempt = { attempt, callId: call.id, agentId: agent.id, startedAt: now, outcome: null, at: null };
        const callback = { ...source.callback, attempts: [...source.callback.attempts, started] };
        changes.push({
          interaction: { ...source, callback, state: 'completed', revision: source.revision + 1, updatedAt: now },
          events: [
            interactionEvent(source.id, 'callback.dialed', now, { callId: call.id, attempt, agentId: agent.id }),
            interactionEvent(source.id, 'interaction.completed', now, { cause: 'dialed' }),
          ],
        });
      }
      if (!(await store.saveInteractions(changes))) throw concurrent();
      // The call first: the agent holds it before the callback lets go, so no other work slips in between.
      for (const change of changes) deps.committed(change.interaction);
      deps.onOutbox(placing);
      return interactions.get(tenant, call.id);
    },

    /**
     * An agent accepted a callback: on a line whose voice provider places calls, its call is placed at
     * once (agent first, as Amazon Connect does). Elsewhere — or should this not happen (a crash between
     * the accept and this) — the agent places it with POST …/outbound-calls.
     */
    async accepted(interaction: Interaction): Promise<void> {
      const tenant = await store.getTenant(interaction.tenantId);
      if (!tenant || !interaction.callback || !interaction.agentId) return;
      if (!(await deps.placingChannel(tenant.id, interaction.contactPoint))) return;
      await calls.placeCall(tenant, interaction.agentId, { callbackId: interaction.id });
    },

    /**
     * The provider (or the agent's phone) reports how an outbound call goes, in Twilio's CallStatus words:
     * `in-progress` — the customer answered; `completed` — the answered call ended (wrap-up starts);
     * `busy`, `no-answer`, `failed`, `canceled` — nobody answered: the call ends, and for a callback the
     * attempt is recorded and the next callback scheduled (or the attempts ran out). A repeated status
     * changes nothing.
     */
    async callStatus(tenant: Tenant, id: string, status: OutboundCallStatus, agentId: string | null): Promise<InteractionView> {
      const call = await load(tenant, id);
      const outbound = call.outboundCall;
      if (!outbound) {
        throw new AppError(apiError('NOT_AN_OUTBOUND_CALL', 'This interaction is not an outbound call an agent placed.'));
      }
      if (agentId && call.agentId !== agentId) throw new AppError(apiError('FORBIDDEN', 'The call is another agent’s.'));
      const answered = outbound.status === 'in-progress' || outbound.status === 'completed';
      const reported = status === 'completed' && !answered ? 'no-answer' : status;
      if (reported === outbound.status) return interactions.get(tenant, id);
      const now = clock.now();
      if (reported === 'in-progress') {
        if (outbound.status !== 'dialing' || call.state !== 'connected') {
          throw new AppError(
            apiError('CALL_STATUS_CONFLICT', `The call is ${outbound.status}: it cannot be answered now.`, 'status'),
          );
        }
        const source = outbound.callbackId ? await store.getInteraction(tenant.id, outbound.callbackId) : null;
        const changes: InteractionChange[] = [
          {
            interaction: {
              ...call,
              connectedAt: now,
              outboundCall: { ...outbound, status: 'in-progress' },
              revision: call.revision + 1,
              updatedAt: now,
            },
            events: [interactionEvent(call.id, 'call.answered', now, { agentId: call.agentId })],
          },
        ];
        if (source?.callback) {
          changes.push({
            interaction: {
              ...source,
              callback: withAttemptOutcome(source.callback, call.id, { outcome: 'answered', at: now }),
              revision: source.revision + 1,
              updatedAt: now,
            },
            events: [interactionEvent(source.id, 'callback.answered', now, { callId: call.id, attempt: outbound.attempt })],
          });
        }
        if (!(await store.saveInteractions(changes))) throw concurrent();
        for (const change of changes) deps.committed(change.interaction);
        return interactions.get(tenant, id);
      }
      if (reported === 'completed') {
        const patch = { outboundCall: { ...outbound, status: reported } };
        const event = interactionEvent(call.id, 'call.completed', now, {});
        if (call.state === 'connected') {
          await router.end(tenant.id, id, 'customer', null, { patch, events: [event], companions: [] });
        } else {
          // The agent ended it first: the provider's word is recorded.
          const recorded = { ...call, ...patch, revision: call.revision + 1, updatedAt: now };
          if (!(await store.saveInteractions([{ interaction: recorded, events: [event] }]))) throw concurrent();
          deps.committed(recorded);
        }
        return interactions.get(tenant, id);
      }
      // Nobody answered.
      if (!isUnanswered(reported) || outbound.status !== 'dialing' || call.state !== 'connected') {
        throw new AppError(
          apiError(
            'CALL_STATUS_CONFLICT',
            `The call is ${outbound.status} (${call.state}): it cannot end ${reported}.`,
            'status',
          ),
        );
      }
      const next = await deps.callbacks.attemptUnanswered(tenant, call, reported);
      await router.end(tenant.id, id, 'customer', null, {
        patch: { outboundCall: { ...outbound, status: reported } },
        events: [interactionEvent(call.id, 'call.not_answered', now, { status: reported })],
        companions: next.companions,
      });
      next.after();
      return interactions.get(tenant, id);
    },
  };
  return calls;
}

export type AgentCalls = ReturnType<typeof createAgentCalls>;
