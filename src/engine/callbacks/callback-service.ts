import { normalizePhoneNumber } from '../../core/address.js';
import {
  type AttemptOutcome,
  type Callback,
  type CallbackAttempt,
  type CallbackRequest,
  checkCallbackRequest,
  isUnanswered,
  nextAttemptAt,
  type OutboundCallStatus,
} from '../../core/callbacks.js';
import { AppError, apiError, notFound } from '../../core/errors.js';
import {
  type Interaction,
  type InteractionEvent,
  interactionEvent,
  type OutboxItem,
  type Queue,
  type StoredTimer,
  type Tenant,
  untouchedRouting,
} from '../../core/model.js';
import { placeInQueue } from '../../core/placement.js';
import type { InteractionChange, Store, TimerChanges } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { IdGenerator } from '../id-generator.js';
import type { InteractionService, InteractionView } from '../interaction-service.js';
import type { Router } from '../router-service.js';

type Body = Record<string, unknown>;
type NewEvent = Omit<InteractionEvent, 'seq'>;

export interface CallbackDeps {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  interactions: InteractionService;
  router: Router;
  /** Told after every committed interaction change (the router, webhooks, the telephony API). */
  committed(interaction: Interaction): void;
  /** The channel of a line whose voice provider places calls (Twilio); null: the agent's phone dials itself. */
  placingChannel(tenantId: string, line: string | null): Promise<string | null>;
  onOutbox(items: OutboxItem[]): void;
}

const concurrent = () =>
  new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed while this request ran; retry.'));

/**
 * Callbacks as work, and the outbound calls that serve them. A callback (voice, outbound, the number to
 * call as its customer) waits in a queue — at once or from a time — and is offered like any work. The
 * agent who accepts it places the call (`placeCall`): the callback is done with and the call, linked to
 * it, is the agent's. The provider reports how the call goes (`callStatus`); an attempt nobody answered
 * makes the next callback of the request, due after the retry interval, until the attempts run out.
 * Every attempt is on the callback records, and each call is an interaction of its own (exported like
 * any call).
 */
export function createCallbackService(deps: CallbackDeps) {
  const { store, clock, newId, interactions, router } = deps;

  async function load(tenant: Tenant, id: string): Promise<Interaction> {
    const interaction = await store.getInteraction(tenant.id, id);
    if (!interaction) throw notFound('interaction');
    return interaction;
  }

  /** Where a callback waits: the queue named, else the interaction's (or where it was placed), else its number's fallback queue. */
  async function queueFor(tenant: Tenant, named: string | null, on: Interaction | null): Promise<Queue | null> {
    if (named) return store.findQueue(tenant.id, named);
    const queueId = on?.queueId ?? on?.placement?.queueId ?? null;
    if (queueId) return store.queues.get(tenant.id, queueId);
    const entryPoint =
      on?.channelType === 'voice' && on.contactPoint
        ? await store.findEntryPointByAddress(tenant.id, 'voice', on.contactPoint)
        : null;
    return entryPoint?.fallbackQueueId ? store.queues.get(tenant.id, entryPoint.fallbackQueueId) : null;
  }

  /** A callback interaction, prepared (stored by the caller, alone or with the change that asked for it). */
  function prepareCallback(
    tenant: Tenant,
    on: Interaction | null,
    request: CallbackRequest,
    queue: Queue,
    callback: Callback,
    requirements: string | null,
  ) {
    const now = clock.now();
    return interactions.prepare(
      tenant,
      {
        channelType: 'voice',
        direction: 'outbound',
        customer: request.number,
        ...(on?.contactPoint && on.channelType === 'voice' ? { contactPoint: on.contactPoint } : {}),
        source: 'callback',
        priority: on?.priority ?? 0,
        attributes: { callbackFor: callback.requestedOn },
      },
      {
        parentInteractionId: on?.id ?? null,
        // Scheduled, the customer expects the call then: its due date runs from that time.
        unansweredSince: request.at ?? on?.unansweredSince ?? now,
        ...(on?.contactId ? { contactId: on.contactId } : {}),
        callback: { queue, at: request.at, callback, requirements },
      },
    );
  }

  /** A flow's callback step ended the call: the callback is made now, with the timer row deleted. */
  async function makeRequested(tenant: Tenant, call: Interaction, timer: StoredTimer): Promise<boolean> {
    const requested = call.requestedCallback;
    if (!requested) {
      await store.deleteTimers([timer.id]);
      return true;
    }
    const now = clock.now();
    const queue = await queueFor(tenant, requested.queueId, null);
    const done: Interaction = { ...call, requestedCallback: null, revision: call.revision + 1, updatedAt: now };
    const cancel: TimerChanges = { set: [], cancel: [timer.id] };
    if (!queue) {
      const reason = 'No queue for the callback: the step names none, the call was in none (or it was deleted).';
      const event = interactionEvent(call.id, 'callback.failed', now, { stepId: requested.stepId, reason });
      if (!(await store.saveInteractions([{ interaction: done, events: [event], timers: cancel }]))) return false;
      deps.committed(done);
      return true;
    }
    const callback: Callback = {
      number: requested.request.number,
      requestedOn: call.id,
      requestedBy: 'flow',
      maxAttempts: requested.request.maxAttempts,
      retryMinutes: requested.request.retryMinutes,
      attempts: [],
    };
    // A time that has come since the step ran: at once.
    const request = {
      ...requested.request,
      at: requested.request.at && requested.request.at > now ? requested.request.at : null,
    };
    const made = await prepareCallback(tenant, call, request, queue, callback, requested.requirements);
    const event = interactionEvent(call.id, 'callback.created', now, { callbackId: made.change.interaction.id });
    if (!(await store.saveInteractions([{ interaction: done, events: [event], timers: cancel }, made.change]))) return false;
    deps.committed(done);
    made.after();
    return true;
  }

  /** A scheduled callback's time came: it goes to its queue (its queue deleted meanwhile, it fails). */
  async function queueScheduled(interaction: Interaction, timer: StoredTimer): Promise<boolean> {
    const scheduled = interaction.scheduledCallback;
    if (!scheduled || interaction.state !== 'created') {
      await store.deleteTimers([timer.id]);
      return true;
    }
    const now = clock.now();
    const queue = await store.queues.get(interaction.tenantId, scheduled.queueId);
    const base = { ...interaction, scheduledCallback: null, revision: interaction.revision + 1, updatedAt: now };
    let change: InteractionChange;
    if (queue) {
      const placement = placeInQueue(queue, interaction.unansweredSince ?? now, 'callback');
      const queued: Interaction = {
        ...base,
        state: 'queued',
        queueId: queue.id,
        dueAt: placement.dueAt,
        placement,
        enqueuedAt: now,
        routing: {
          stepId: null,
          requirements: interaction.routing?.requirements ?? null,
          preferredAgent: null,
          targetAgent: null,
          maxWaitUntil: null,
        },
      };
      const data = { queueId: queue.id, dueAt: placement.dueAt, slaMinutes: placement.slaMinutes, reason: placement.reason };
      change = { interaction: queued, events: [interactionEvent(interaction.id, 'interaction.queued', now, data)] };
    } else {
      const reason = `The callback's queue ${scheduled.queueId} was deleted before its time came`;
      const failed: Interaction = { ...base, state: 'failed' };
      change = {
        interaction: failed,
        events: [interactionEvent(interaction.id, 'interaction.failed', now, { cause: 'queue_removed', reason })],
      };
    }
    if (!(await store.saveInteractions([{ ...change, timers: { set: [], cancel: [timer.id] } }]))) return false;
    deps.committed(change.interaction);
    return true;
  }

  /** The attempt of a callback the call made, with what became of it. */
  function withAttempt(callback: Callback, callId: string, update: Partial<CallbackAttempt>): Callback {
    return {
      ...callback,
      attempts: callback.attempts.map((attempt) => (attempt.callId === callId ? { ...attempt, ...update } : attempt)),
    };
  }

  /** The unanswered end of a callback's attempt: the attempt's outcome, and the next callback (or none left). */
  async function afterUnanswered(
    tenant: Tenant,
    call: Interaction,
    status: AttemptOutcome,
  ): Promise<{ companions: InteractionChange[]; after: () => void }> {
    const callbackId = call.outboundCall?.callbackId;
    const source = callbackId ? await store.getInteraction(tenant.id, callbackId) : null;
    if (!source?.callback) return { companions: [], after: () => {} };
    const now = clock.now();
    const callback = withAttempt(source.callback, call.id, { outcome: status, at: now });
    const events: NewEvent[] = [
      interactionEvent(source.id, 'callback.attempt_ended', now, {
        callId: call.id,
        attempt: call.outboundCall?.attempt,
        status,
      }),
    ];
    const next = nextAttemptAt(callback, now);
    const queue = next ? await queueFor(tenant, null, source) : null;
    let retry: Awaited<ReturnType<typeof prepareCallback>> | null = null;
    if (next && queue) {
      const request = {
        number: callback.number,
        at: next,
        maxAttempts: callback.maxAttempts,
        retryMinutes: callback.retryMinutes,
      };
      retry = await prepareCallback(tenant, source, request, queue, callback, source.routing?.requirements ?? null);
      events.push(
        interactionEvent(source.id, 'callback.retry_scheduled', now, { callbackId: retry.change.interaction.id, at: next }),
      );
    } else {
      const reason = next ? 'The callback’s queue was deleted.' : `All ${callback.maxAttempts} attempts were made.`;
      events.push(interactionEvent(source.id, 'callback.exhausted', now, { attempts: callback.attempts.length, reason }));
    }
    const updated: Interaction = { ...source, callback, revision: source.revision + 1, updatedAt: now };
    return {
      companions: [{ interaction: updated, events }, ...(retry ? [retry.change] : [])],
      after: () => {
        deps.committed(updated);
        retry?.after();
      },
    };
  }

  return {
    /** A `callback` timer fired: the callback a flow asked for is made, or a scheduled one is queued. */
    async due(timer: StoredTimer): Promise<void> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const tenant = await store.getTenant(timer.tenantId);
        const interaction = await store.getInteraction(timer.tenantId, timer.interactionId);
        if (!tenant || !interaction) {
          await store.deleteTimers([timer.id]);
          return;
        }
        const done = interaction.requestedCallback
          ? await makeRequested(tenant, interaction, timer)
          : await queueScheduled(interaction, timer);
        if (done) return;
      }
      throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The callback kept changing; it is tried again at the next start'));
    },

    /**
     * POST …/interactions/{id}/callbacks: an agent (or an integration) asks for a callback of the
     * interaction's customer — to the number given or the customer's, at once or at a time, in the queue
     * named or the interaction's. An agent token asks for its own work only.
     */
    async request(
      tenant: Tenant,
      interactionId: string,
      body: Body,
      idempotencyKey: string | null,
      agentId: string | null,
    ): Promise<{ interaction: InteractionView; replayed: boolean }> {
      const on = await load(tenant, interactionId);
      if (agentId && on.agentId !== agentId) {
        throw new AppError(apiError('FORBIDDEN', 'An agent asks for callbacks of its own work only.'));
      }
      const checked = checkCallbackRequest(body, {
        defaultNumber: on.channelType === 'voice' || on.channelType === 'sms' ? on.customer : null,
        defaultCountry: tenant.defaultCountry,
        timeZone: tenant.timeZone,
        now: clock.now(),
      });
      if (!checked.ok) throw new AppError(checked.errors);
      const named = typeof body.queue === 'string' ? body.queue : null;
      const queue = await queueFor(tenant, named, on);
      if (!queue) {
        throw new AppError(
          named
            ? apiError('QUEUE_NOT_FOUND', 'No queue with this devName or id in the tenant.', 'queue')
            : apiError('REQUIRED', 'The interaction is in no queue: name the queue the callback waits in.', 'queue'),
        );
      }
      const request = checked.value;
      const callback: Callback = {
        number: request.number,
        requestedOn: on.id,
        requestedBy: 'agent',
        maxAttempts: request.maxAttempts,
        retryMinutes: request.retryMinutes,
        attempts: [],
      };
      return interactions.create(
        tenant,
        {
          channelType: 'voice',
          direction: 'outbound',
          customer: request.number,
          ...(on.contactPoint && on.channelType === 'voice' ? { contactPoint: on.contactPoint } : {}),
          source: 'callback',
          priority: on.priority,
          attributes: { callbackFor: on.id },
          // Not stored: in the body so that a retry under the same Idempotency-Key must ask for the same.
          callbackRequest: { ...request, queue: queue.id },
        },
        idempotencyKey ? `callback:${on.id}:${idempotencyKey}` : null,
        {
          parentInteractionId: on.id,
          unansweredSince: request.at ?? clock.now(),
          ...(on.contactId ? { contactId: on.contactId } : {}),
          callback: { queue, at: request.at, callback, requirements: on.routing?.requirements ?? null },
        },
      );
    },

    prepareCallback,

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
        flowId: null,
        flowVersionId: null,
        // A callback's call keeps its queue: the queue's wrap-up applies to it.
        queueId: source?.queueId ?? null,
        entryPointId: null,
        dueAt: null,
        unansweredSince: null,
        noReplyNeeded: false,
        dispatchError: null,
        dispatch: null,
        placement: null,
        enqueuedAt: null,
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
      await this.placeCall(tenant, interaction.agentId, { callbackId: interaction.id });
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
              callback: withAttempt(source.callback, call.id, { outcome: 'answered', at: now }),
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
      const next = await afterUnanswered(tenant, call, reported);
      await router.end(tenant.id, id, 'customer', null, {
        patch: { outboundCall: { ...outbound, status: reported } },
        events: [interactionEvent(call.id, 'call.not_answered', now, { status: reported })],
        companions: next.companions,
      });
      next.after();
      return interactions.get(tenant, id);
    },
  };
}

export type CallbackService = ReturnType<typeof createCallbackService>;
