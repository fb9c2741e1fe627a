import {
  type AttemptOutcome,
  type Callback,
  type CallbackRequest,
  checkCallbackRequest,
  nextAttemptAt,
  withAttemptOutcome,
} from '../../core/callbacks.js';
import { AppError, apiError, notFound } from '../../core/errors.js';
import {
  type Interaction,
  type InteractionEvent,
  interactionEvent,
  type Queue,
  type StoredTimer,
  type Tenant,
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
}

/**
 * Callbacks as work. A callback (voice, outbound, the number to call as its customer) is asked for by a
 * flow, an agent or the voice provider, waits in a queue — at once or from a time — and is offered like
 * any work; the agent who accepts it places the call (agent-calls.ts). An attempt nobody answered makes
 * the next callback of the request, due after the retry interval, until the attempts run out. Every
 * attempt is on the callback records.
 */
export function createCallbackService(deps: CallbackDeps) {
  const { store, clock, interactions } = deps;

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

  /** The unanswered end of a callback's attempt: the attempt's outcome, and the next callback (or none left). */
  async function attemptUnanswered(
    tenant: Tenant,
    call: Interaction,
    status: AttemptOutcome,
  ): Promise<{ companions: InteractionChange[]; after: () => void }> {
    const callbackId = call.outboundCall?.callbackId;
    const source = callbackId ? await store.getInteraction(tenant.id, callbackId) : null;
    if (!source?.callback) return { companions: [], after: () => {} };
    const now = clock.now();
    const callback = withAttemptOutcome(source.callback, call.id, { outcome: status, at: now });
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
    attemptUnanswered,

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
  };
}

export type CallbackService = ReturnType<typeof createCallbackService>;
