import { requestedCallbackTimer } from '../core/callbacks.js';
import { AppError, apiError, notFound } from '../core/errors.js';
import {
  type FlowEffect,
  type FlowEvent,
  type FlowProgram,
  type FlowRun,
  newRun,
  type StepResult,
  stepFlow,
} from '../core/flow/flow-interpreter.js';
import type { FlowDocument, FlowStep } from '../core/flow/flow-schema.js';
import { checkFreeForm } from '../core/json-limits.js';
import {
  type Contact,
  type ConversationMessage,
  type Interaction,
  type InteractionEvent,
  interactionEvent,
  type OutboxItem,
  type PlacementDecision,
  type StoredTimer,
  type Tenant,
} from '../core/model.js';
import { placeInQueue } from '../core/placement.js';
import type { InteractionChange, Store, TimerChanges } from '../store/store.js';
import type { Clock } from './clock.js';
import { placeByEntryPoint } from './entry-point-placement.js';
import type { HttpClient } from './http-client.js';
import type { IdGenerator } from './id-generator.js';
import type { EspOutcome, EspRequest } from './invitations/invite-to-chat.js';
import { outboundMessage } from './messaging/outbound.js';

type NewEvent = Omit<InteractionEvent, 'seq'>;

export interface FlowRunnerDeps {
  store: Store;
  clock: Clock;
  http: HttpClient;
  /** Called after a commit with the timers to arm and disarm in memory. */
  onTimers(changes: TimerChanges): void;
  /** Called after a commit with the interaction as saved (the router follows queue changes). */
  onCommitted(interaction: Interaction): void;
  newId: IdGenerator;
  /** Called after a commit with the messages the flow queued for sending (sendMessage on a conversation). */
  onOutbox(items: OutboxItem[]): void;
  /**
   * Runs an invitation to chat (the inviteToChat step): the ESP request, under a key that makes a
   * repeat of the same step's request return the first session. Absent: the step answers a fault.
   */
  invite?(tenant: Tenant, request: EspRequest, idempotencyKey: string): Promise<EspOutcome>;
}

/** The body of a simulation: a sample interaction and the events to play, in order. */
export interface SimulationRequest {
  interaction?: {
    channelType?: string;
    medium?: string | null;
    direction?: string;
    customer?: string | null;
    contactPoint?: string | null;
    source?: string | null;
    attributes?: Record<string, unknown>;
  };
  inputs?: Record<string, unknown>;
  startAt?: string;
  events?: {
    type: 'input' | 'http.response' | 'http.failed' | 'timeout' | 'routing.connected' | 'invite.done' | 'invite.fault';
    afterSeconds?: number;
    /** invite.done: the session id the invitation answered; invite.fault: its fault code. */
    sessionId?: string;
    faultCode?: number;
    value?: string;
    status?: number;
    headers?: Record<string, string>;
    body?: unknown;
    reason?: 'timeout' | 'refused' | 'network';
  }[];
}

/** A step applied to an interaction, ready to save; `after` runs once the save committed. */
export interface AppliedStep {
  change: InteractionChange;
  after: () => void;
}

const maxRetries = 5;

/**
 * The shell around the flow interpreter: loads the pinned program, feeds events to core, turns the
 * effects that change the interaction (queue, voicemail, callback, completion, fallback) into state,
 * saves everything in one transaction, and only then performs the outside effects (HTTP requests,
 * timers). Every transition is persisted before anything leaves the process.
 */
export function createFlowRunner(deps: FlowRunnerDeps) {
  const { store, clock } = deps;
  // Flow versions are immutable, so their documents can be kept.
  const documents = new Map<string, FlowDocument>();

  async function documentOf(tenantId: string, versionId: string): Promise<FlowDocument | null> {
    const cached = documents.get(versionId);
    if (cached) return cached;
    const version = await store.getFlowVersionById(tenantId, versionId);
    if (!version) return null;
    const document = version.definition as unknown as FlowDocument;
    documents.set(versionId, document);
    return document;
  }

  /**
   * The main flow and, transitively, the active versions of the subflows it calls, pinned now:
   * the run finishes on these versions whatever is activated later.
   */
  async function pinProgram(
    runTenantId: string,
    tenantId: string,
    flowId: string,
    versionId: string,
  ): Promise<FlowRun['program']> {
    const pinned: FlowRun['program'] = {};
    // Flows of a parent tenant (an inherited dispatch mapping) are read there; the entry says so.
    const owner = (ref: { flowId: string; versionId: string; devName: string }) =>
      tenantId === runTenantId ? ref : { ...ref, tenantId };
    const main = await store.flows.get(tenantId, flowId);
    pinned.main = owner({ flowId, versionId, devName: main?.devName ?? 'main' });
    const pending = [versionId];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const current = pending.pop() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      const document = await documentOf(tenantId, current);
      for (const step of document?.steps ?? []) {
        if (step.type !== 'subflow' || pinned[step.flow]) continue;
        const sub = await store.findFlowByDevName(tenantId, step.flow);
        // A subflow that cannot be resolved is left out; the step fails when it runs (error exit).
        if (!sub?.reusable || !sub.activeVersionId) continue;
        pinned[step.flow] = owner({ flowId: sub.id, versionId: sub.activeVersionId, devName: sub.devName });
        pending.push(sub.activeVersionId);
      }
    }
    return pinned;
  }

  async function programOf(tenantId: string, run: FlowRun): Promise<FlowProgram> {
    const flows: FlowProgram['flows'] = {};
    for (const [key, ref] of Object.entries(run.program ?? {})) {
      const document = await documentOf(ref.tenantId ?? tenantId, ref.versionId);
      if (document) flows[key] = { ...ref, document };
    }
    return { flows };
  }

  /** The stored contact of a customer, looked up only for a program that can read it. */
  async function contactFor(tenantId: string, customer: string | null, program: FlowProgram): Promise<Contact | null> {
    if (!customer || !Object.values(program.flows).some((flow) => readsContact(flow.document))) return null;
    return store.findContactByAddress(tenantId, customer);
  }

  /** What the interpreter reads: the time, the interaction and the contact of its customer. */
  async function contextOf(tenant: Tenant, interaction: Interaction, program: FlowProgram) {
    const customer = interaction.customer;
    const contact = await contactFor(tenant.id, customer, program);
    return {
      now: clock.now(),
      timeZone: tenant.timeZone,
      defaultCountry: tenant.defaultCountry,
      idPrefix: interaction.id,
      interaction: {
        id: interaction.id,
        channelType: interaction.channelType,
        medium: interaction.medium,
        direction: interaction.direction,
        customer,
        contactPoint: interaction.contactPoint,
        source: interaction.source,
        attributes: interaction.attributes,
        priority: interaction.priority,
        createdAt: interaction.createdAt,
      },
      contact: contactScope(customer, contact),
    };
  }

  /** Queue and due date for a routeToQueue step: the named queue, or where the entry point sends it. */
  async function placeForFlow(
    tenant: Tenant,
    interaction: Interaction,
    queueRef: string | null,
  ): Promise<{ ok: true; placement: PlacementDecision } | { ok: false; reason: string }> {
    const at = interaction.unansweredSince ?? interaction.createdAt;
    const { result: byEntryPoint } = await placeByEntryPoint(store, tenant, { ...interaction, at }, null);
    if (queueRef === null) return byEntryPoint;
    const queue = await store.findQueue(tenant.id, queueRef);
    if (!queue) return { ok: false, reason: `Queue "${queueRef}" does not exist (any more).` };
    // The entry point's SLA rules hold when the flow picks the queue the entry point would have.
    if (byEntryPoint.ok && byEntryPoint.placement.queueId === queue.id) return byEntryPoint;
    return { ok: true, placement: placeInQueue(queue, at, 'flow') };
  }

  /**
   * Applies an interpreter result to the interaction: state, routing, history, timers and events.
   * Queue placement needs the store, so failures to place are fed back as `routing.failed`.
   */
  async function apply(
    tenant: Tenant,
    interaction: Interaction,
    program: FlowProgram,
    result: StepResult,
    firedTimer: string | null,
  ): Promise<AppliedStep> {
    const now = clock.now();
    let current = result;
    let next: Interaction = { ...interaction, flowRun: current.run };
    const events: NewEvent[] = [];
    const timers: TimerChanges = { set: [], cancel: firedTimer ? [firedTimer] : [] };
    const requests: Extract<FlowEffect, { type: 'httpRequest' }>[] = [];
    const messages: ConversationMessage[] = [];
    const outbox: OutboxItem[] = [];
    const invites: Extract<FlowEffect, { type: 'inviteToChat' }>[] = [];
    const pendingEffects = [...current.effects];
    while (pendingEffects.length > 0) {
      const effect = pendingEffects.shift() as FlowEffect;
      switch (effect.type) {
        case 'setTimer':
          timers.set.push({
            id: effect.timerId,
            tenantId: tenant.id,
            interactionId: interaction.id,
            kind: 'flow',
            dueAt: effect.at,
          });
          break;
        case 'cancelTimer':
          if (timers.set.some((t) => t.id === effect.timerId)) timers.set = timers.set.filter((t) => t.id !== effect.timerId);
          else timers.cancel.push(effect.timerId);
          break;
        case 'httpRequest':
          requests.push(effect);
          events.push(interactionEvent(interaction.id, 'flow.http_request', now, { method: effect.method, url: effect.url }));
          break;
        case 'prompt':
          events.push(
            interactionEvent(interaction.id, 'flow.prompt', now, { mode: effect.mode, text: effect.text, stepId: effect.stepId }),
          );
          // On a conversation, a message is sent to the customer (through the outbox, after this commit).
          if (effect.mode === 'message' && (interaction.channelType === 'messaging' || interaction.channelType === 'sms')) {
            const { message, item } = outboundMessage(
              deps.newId,
              now,
              { tenantId: tenant.id, interactionId: interaction.id },
              { text: effect.text, attachments: [], template: null },
              { author: 'flow', sender: { type: 'flow', id: effect.stepId } },
            );
            messages.push(message);
            outbox.push(item);
            events.push(interactionEvent(interaction.id, 'message.queued', now, { message }));
          }
          break;
        case 'inviteToChat':
          invites.push(effect);
          events.push(interactionEvent(interaction.id, 'flow.invite_to_chat', now, { stepId: effect.stepId }));
          break;
        case 'enqueue':
        case 'routeToAgent': {
          const placed =
            effect.type === 'enqueue' ? await placeForFlow(tenant, next, effect.queue) : await placeForFlow(tenant, next, null);
          if (!placed.ok) {
            // Not placed: the step takes its error exit, decided by the interpreter like any event.
            current = stepFlow(
              program,
              next.flowRun as FlowRun,
              { type: 'routing.failed', message: placed.reason },
              await contextOf(tenant, next, program),
            );
            next = { ...next, flowRun: current.run };
            pendingEffects.push(...current.effects);
            break;
          }
          const { placement } = placed;
          next = {
            ...next,
            state: 'queued',
            queueId: placement.queueId,
            dueAt: placement.dueAt,
            placement,
            enqueuedAt: next.state === 'queued' ? next.enqueuedAt : now,
            priority: effect.type === 'enqueue' && effect.priority !== null ? effect.priority : next.priority,
            routing:
              effect.type === 'enqueue'
                ? {
                    stepId: effect.stepId,
                    requirements: effect.requirements,
                    preferredAgent: effect.preferredAgent,
                    targetAgent: null,
                    maxWaitUntil: effect.maxWaitUntil,
                  }
                : {
                    stepId: effect.stepId,
                    requirements: null,
                    preferredAgent: null,
                    targetAgent: { agent: effect.agent, expiresAt: effect.expiresAt },
                    maxWaitUntil: effect.expiresAt,
                  },
          };
          events.push(
            interactionEvent(interaction.id, 'interaction.queued', now, {
              queueId: placement.queueId,
              dueAt: placement.dueAt,
              slaMinutes: placement.slaMinutes,
              stepId: effect.stepId,
              reason: placement.reason,
              ...(effect.type === 'routeToAgent' ? { targetAgent: effect.agent } : {}),
            }),
          );
          break;
        }
        case 'leaveQueue':
          next = { ...next, state: 'in_flow', queueId: null, routing: null, enqueuedAt: null };
          events.push(
            interactionEvent(interaction.id, 'interaction.left_queue', now, { stepId: effect.stepId, cause: 'timeout' }),
          );
          break;
        case 'voicemail': {
          // The voicemail goes to the step's queue, or the call's, with the call's skills requirements.
          const queue = effect.queue ? await store.findQueue(tenant.id, effect.queue) : null;
          next = {
            ...next,
            state: 'voicemail',
            queueId: null,
            routing: null,
            awaitedVoicemail: {
              stepId: effect.stepId,
              queueId: queue?.id ?? next.queueId ?? next.placement?.queueId ?? null,
              requirements: next.routing?.requirements ?? null,
              notificationEmail: effect.notificationEmail || null,
            },
          };
          events.push(
            interactionEvent(interaction.id, 'interaction.voicemail', now, {
              stepId: effect.stepId,
              notificationEmail: effect.notificationEmail,
              prompt: effect.prompt,
              maxSeconds: effect.maxSeconds,
              queueId: next.awaitedVoicemail?.queueId ?? null,
            }),
          );
          break;
        }
        case 'callback': {
          // The callback is made by a stored timer due at once, in its own transaction (made once, even
          // across a crash); it goes to the step's queue, or the call's, with the call's skills requirements.
          const queue = effect.queue ? await store.findQueue(tenant.id, effect.queue) : null;
          const queueId = queue?.id ?? next.queueId ?? next.placement?.queueId ?? null;
          next = {
            ...next,
            state: 'callback_requested',
            queueId: queue?.id ?? next.queueId,
            routing: null,
            requestedCallback: {
              request: effect.request,
              queueId,
              requirements: next.routing?.requirements ?? null,
              stepId: effect.stepId,
            },
          };
          timers.set.push(requestedCallbackTimer(next, now));
          events.push(
            interactionEvent(interaction.id, 'interaction.callback_requested', now, {
              stepId: effect.stepId,
              number: effect.request.number,
              at: effect.request.at,
              queueId,
            }),
          );
          break;
        }
        case 'complete':
          next = { ...next, state: 'completed', queueId: null, routing: null };
          events.push(
            interactionEvent(interaction.id, 'interaction.completed', now, { cause: 'flow_ended', outputs: effect.outputs }),
          );
          break;
        case 'fail': {
          events.push(
            interactionEvent(interaction.id, 'flow.failed', now, {
              code: effect.code,
              message: effect.message,
              stepId: effect.stepId,
            }),
          );
          next = await fallBack(tenant, next, now, events);
          break;
        }
      }
    }
    // Whatever the run waits for now decides whether the interaction is in the flow or in a queue.
    const run = next.flowRun;
    if (run?.status === 'waiting' && run.waiting?.kind !== 'routing' && next.state !== 'in_flow') {
      next = { ...next, state: 'in_flow' };
    }
    if (next.state !== interaction.state && next.state === 'in_flow') {
      events.unshift(interactionEvent(interaction.id, 'interaction.in_flow', now, { stepId: run?.waiting?.stepId ?? null }));
    }
    const saved: Interaction = { ...next, revision: interaction.revision + 1, updatedAt: now };
    return {
      change: { interaction: saved, events, timers, ...(messages.length > 0 ? { messages, outbox } : {}) },
      after: () => {
        deps.onTimers(timers);
        deps.onCommitted(saved);
        if (outbox.length > 0) deps.onOutbox(outbox);
        for (const request of requests) void perform(tenant, saved.id, request);
        for (const invite of invites) void invited(tenant, saved.id, invite);
      },
    };
  }

  /**
   * A failed run: the flow's fallback queue, else the one the interaction was given (a phone channel's
   * or the telephony request's), with the queue SLA from the first contact; else the interaction fails.
   */
  async function fallBack(tenant: Tenant, interaction: Interaction, now: string, events: NewEvent[]): Promise<Interaction> {
    const flow = interaction.flowId ? await store.flows.get(tenant.id, interaction.flowId) : null;
    const fallbackQueueId = flow?.fallbackQueueId ?? interaction.fallbackQueueId ?? null;
    const queue = fallbackQueueId ? await store.queues.get(tenant.id, fallbackQueueId) : null;
    if (!queue) {
      events.push(
        interactionEvent(interaction.id, 'interaction.failed', now, {
          cause: 'flow_failed',
          reason: 'The flow has no fallback queue.',
        }),
      );
      return { ...interaction, state: 'failed', queueId: null, routing: null };
    }
    const placement = placeInQueue(queue, interaction.unansweredSince ?? interaction.createdAt, 'flow-fallback');
    events.push(
      interactionEvent(interaction.id, 'interaction.queued', now, {
        queueId: queue.id,
        dueAt: placement.dueAt,
        slaMinutes: placement.slaMinutes,
        reason: placement.reason,
      }),
    );
    return {
      ...interaction,
      state: 'queued',
      queueId: queue.id,
      dueAt: placement.dueAt,
      placement,
      routing: null,
      enqueuedAt: interaction.state === 'queued' ? interaction.enqueuedAt : now,
    };
  }

  /** Sends a flow's HTTP request and feeds the outcome back to the run. */
  async function perform(tenant: Tenant, interactionId: string, request: Extract<FlowEffect, { type: 'httpRequest' }>) {
    const outcome = await deps.http({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.body,
      timeoutMs: request.timeoutMs,
      allowPrivateNetwork: tenant.allowPrivateNetworkRequests,
    });
    const flowEvent: FlowEvent = outcome.ok
      ? {
          type: 'http.response',
          requestId: request.requestId,
          status: outcome.status,
          headers: outcome.headers,
          body: outcome.body,
        }
      : { type: 'http.failed', requestId: request.requestId, reason: outcome.reason, message: outcome.message };
    await deliver(tenant.id, interactionId, flowEvent).catch(() => {
      // The run may have moved on (a timeout fired first); nothing waits for this answer any more.
    });
  }

  /** Runs a flow's invitation to chat and feeds the outcome (the session, or the fault) back to the run. */
  async function invited(tenant: Tenant, interactionId: string, effect: Extract<FlowEffect, { type: 'inviteToChat' }>) {
    const request: EspRequest = {
      AppName: 'Switchboard flow',
      Service: 'ChatService',
      Method: 'InviteToChat',
      ...effect.request,
    };
    const outcome: EspOutcome = deps.invite
      ? await deps.invite(tenant, request, `flow-invite:${interactionId}:${effect.requestId}`).catch((error: Error) => ({
          ok: false as const,
          faultCode: 1011,
          faultString: `RENDERING_FAILED: ${error.message}`,
        }))
      : { ok: false, faultCode: 1005, faultString: 'UNKNOWN_SERVICE_OR_METHOD: invitations are not available here' };
    const flowEvent: FlowEvent = outcome.ok
      ? { type: 'invite.done', requestId: effect.requestId, sessionId: outcome.sessionId }
      : { type: 'invite.fault', requestId: effect.requestId, faultCode: outcome.faultCode, faultString: outcome.faultString };
    await deliver(tenant.id, interactionId, flowEvent).catch(() => {
      // The run may have moved on (its timeout fired first).
    });
  }

  /** Loads an interaction, feeds it an event and saves the result, retrying on concurrent changes. */
  async function deliver(tenantId: string, interactionId: string, flowEvent: FlowEvent): Promise<Interaction | null> {
    const tenant = await store.getTenant(tenantId);
    if (!tenant) return null;
    for (let attempt = 0; attempt < maxRetries; attempt++) {
      const interaction = await store.getInteraction(tenantId, interactionId);
      const firedTimer = flowEvent.type === 'timer' ? flowEvent.timerId : null;
      if (!interaction?.flowRun) {
        if (firedTimer) await store.deleteTimers([firedTimer]);
        return interaction;
      }
      const program = await programOf(tenantId, interaction.flowRun);
      const result = stepFlow(program, interaction.flowRun, flowEvent, await contextOf(tenant, interaction, program));
      if (result.ignored) {
        // A stale timer still has its row; drop it so it is not re-armed at the next start.
        if (firedTimer) await store.deleteTimers([firedTimer]);
        return interaction;
      }
      const applied = await apply(tenant, interaction, program, result, firedTimer);
      if (await store.saveInteractions([applied.change])) {
        applied.after();
        return applied.change.interaction;
      }
    }
    throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction kept changing; the event was not applied.'));
  }

  return {
    /**
     * Starts the flow of a freshly dispatched interaction (not yet saved): the caller saves the change
     * with the interaction's creation and then calls `after`.
     */
    async start(
      tenant: Tenant,
      interaction: Interaction,
      inputs: Record<string, unknown> = {},
      /** The tenant owning the flow: a parent's, when an inherited dispatch mapping chose it. */
      flowTenantId: string = tenant.id,
    ): Promise<AppliedStep> {
      if (!interaction.flowId || !interaction.flowVersionId) throw new Error('start needs a dispatched interaction');
      const program = await pinProgram(tenant.id, flowTenantId, interaction.flowId, interaction.flowVersionId);
      const run: FlowRun = { ...newRun(), program };
      // The interaction is not stored yet: apply() saves revision base + 1, so the base is 0.
      const loaded = await programOf(tenant.id, run);
      const withRun: Interaction = { ...interaction, state: 'in_flow', flowRun: run };
      const result = stepFlow(loaded, run, { type: 'start', inputs }, await contextOf(tenant, withRun, loaded));
      const applied = await apply(tenant, { ...withRun, revision: interaction.revision - 1 }, loaded, result, null);
      applied.change.events.unshift(
        interactionEvent(interaction.id, 'flow.started', clock.now(), {
          flowId: interaction.flowId,
          flowVersionId: interaction.flowVersionId,
        }),
        interactionEvent(interaction.id, 'interaction.in_flow', clock.now(), {}),
      );
      return applied;
    },

    deliver,

    /**
     * Feeds an event to an interaction's run without saving: the caller merges the change into its
     * own (accepting an offer completes the run in the same transaction). Null when the run does not
     * take the event.
     */
    async prepare(tenant: Tenant, interaction: Interaction, flowEvent: FlowEvent): Promise<AppliedStep | null> {
      if (!interaction.flowRun) return null;
      const program = await programOf(tenant.id, interaction.flowRun);
      const result = stepFlow(program, interaction.flowRun, flowEvent, await contextOf(tenant, interaction, program));
      if (result.ignored) return null;
      return apply(tenant, interaction, program, result, null);
    },

    /** The step a run waits at, as its flow version defines it (a voice adapter reads a collectInput's settings). */
    async waitingStep(tenantId: string, run: FlowRun | null | undefined): Promise<FlowStep | null> {
      const frame = run?.frames.at(-1);
      if (!run?.waiting || !frame) return null;
      const program = await programOf(tenantId, run);
      return program.flows[frame.flow]?.document.steps.find((step) => step.id === run.waiting?.stepId) ?? null;
    },

    /** An input for a collectInput step, from the API; 409 when the run is not waiting for one. */
    async input(tenant: Tenant, interactionId: string, value: string): Promise<Interaction> {
      const interaction = await store.getInteraction(tenant.id, interactionId);
      if (!interaction) throw notFound('interaction');
      if (interaction.flowRun?.waiting?.kind !== 'input') {
        throw new AppError(apiError('FLOW_NOT_WAITING_FOR_INPUT', 'The flow of this interaction is not waiting for input.'));
      }
      const updated = await deliver(tenant.id, interactionId, { type: 'input', value });
      if (!updated) throw notFound('interaction');
      return updated;
    },

    simulate,
  };

  /**
   * Runs a flow version on a sample interaction and scripted events, on a simulated clock, touching
   * no real state: no HTTP call is made (answers come from the script), nothing is stored or queued.
   * A wait whose timer falls due before the next scripted event times out first, as it would live.
   */
  async function simulate(tenant: Tenant, flowId: string, versionId: string, body: SimulationRequest) {
    const version = await store.getFlowVersion(tenant.id, flowId, versionId);
    if (!version) throw notFound('flow version');
    const run: FlowRun = { ...newRun(), program: await pinProgram(tenant.id, tenant.id, flowId, versionId) };
    const program = await programOf(tenant.id, run);
    const sample = body.interaction ?? {};
    checkFreeForm(sample.attributes, 'interaction/attributes');
    checkFreeForm(body.inputs, 'inputs');
    const interaction = {
      id: 'simulation',
      channelType: sample.channelType ?? 'voice',
      medium: sample.medium ?? null,
      direction: sample.direction ?? 'inbound',
      customer: sample.customer ?? null,
      contactPoint: sample.contactPoint ?? null,
      source: sample.source ?? null,
      attributes: sample.attributes ?? {},
      priority: 0,
    };
    const customer = interaction.customer;
    const contact = contactScope(customer, await contactFor(tenant.id, customer, program));
    let now = Date.parse(body.startAt ?? clock.now());
    const context = () => ({
      now: new Date(now).toISOString(),
      timeZone: tenant.timeZone,
      idPrefix: 'simulation',
      interaction: { ...interaction, createdAt: new Date(Date.parse(body.startAt ?? clock.now())).toISOString() },
      contact,
    });
    const timeline: { at: string; event: string; ignored: boolean; effects: FlowEffect[] }[] = [];
    const timers = new Map<string, number>();
    let current = run;
    const feed = (flowEvent: FlowEvent, label: string) => {
      const result = stepFlow(program, current, flowEvent, context());
      current = result.run;
      for (const effect of result.effects) {
        if (effect.type === 'setTimer') timers.set(effect.timerId, Date.parse(effect.at));
        if (effect.type === 'cancelTimer') timers.delete(effect.timerId);
      }
      timeline.push({ at: new Date(now).toISOString(), event: label, ignored: result.ignored, effects: result.effects });
    };
    /** Fires the waiting step's timer while it falls due before `target`. */
    const runUntil = (target: number) => {
      for (;;) {
        const timerId = current.waiting?.timerId;
        const due = timerId ? timers.get(timerId) : undefined;
        if (!timerId || due === undefined || due > target) break;
        now = due;
        timers.delete(timerId);
        feed({ type: 'timer', timerId }, 'timeout');
      }
      now = target;
    };
    feed({ type: 'start', inputs: body.inputs ?? {} }, 'start');
    for (const scripted of body.events ?? []) {
      runUntil(now + (scripted.afterSeconds ?? 0) * 1000);
      const waiting = current.waiting;
      let flowEvent: FlowEvent | null = null;
      if (scripted.type === 'input') flowEvent = { type: 'input', value: scripted.value ?? '' };
      if (scripted.type === 'routing.connected') flowEvent = { type: 'routing.connected' };
      if (scripted.type === 'timeout' && waiting?.timerId) {
        timers.delete(waiting.timerId);
        flowEvent = { type: 'timer', timerId: waiting.timerId };
      }
      if (scripted.type === 'http.response' && waiting?.kind === 'http') {
        flowEvent = {
          type: 'http.response',
          requestId: waiting.requestId,
          status: scripted.status ?? 200,
          headers: scripted.headers ?? { 'content-type': 'application/json' },
          body: scripted.body ?? null,
        };
      }
      if (scripted.type === 'http.failed' && waiting?.kind === 'http') {
        flowEvent = {
          type: 'http.failed',
          requestId: waiting.requestId,
          reason: scripted.reason ?? 'network',
          message: 'Simulated failure.',
        };
      }
      if (scripted.type === 'invite.done' && waiting?.kind === 'invite') {
        flowEvent = { type: 'invite.done', requestId: waiting.requestId, sessionId: scripted.sessionId ?? 'simulated-session' };
      }
      if (scripted.type === 'invite.fault' && waiting?.kind === 'invite') {
        flowEvent = {
          type: 'invite.fault',
          requestId: waiting.requestId,
          faultCode: scripted.faultCode ?? 1001,
          faultString: 'Simulated fault.',
        };
      }
      if (flowEvent) feed(flowEvent, scripted.type);
      else timeline.push({ at: new Date(now).toISOString(), event: scripted.type, ignored: true, effects: [] });
    }
    return {
      status: current.status,
      outcome: current.outcome,
      waiting: current.waiting,
      vars: current.frames[0]?.vars ?? {},
      path: current.path,
      timeline,
    };
  }
}

/** What flows can read as `contact` until contacts are records of their own. */
// Whether a flow document can read `contact`: an expression that never names it cannot. Memoised by
// document (documents are cached configuration), so a run whose flows do not use contacts — most of
// them — costs no contact look-up on each step it takes.
const contactReaders = new WeakMap<FlowDocument, boolean>();
function readsContact(document: FlowDocument): boolean {
  let reads = contactReaders.get(document);
  if (reads === undefined) {
    reads = /\bcontact\b/.test(JSON.stringify(document));
    contactReaders.set(document, reads);
  }
  return reads;
}

/**
 * `contact` in flow expressions: the customer's phone or email, and the stored contact they belong
 * to (its fields null or empty when there is none).
 */
function contactScope(customer: string | null, contact: Contact | null): Record<string, unknown> {
  const names = [contact?.firstName, contact?.lastName].filter((name) => name);
  return {
    phone: customer?.startsWith('+') ? customer : null,
    email: customer?.includes('@') ? customer : null,
    id: contact?.id ?? null,
    title: contact?.title ?? null,
    firstName: contact?.firstName ?? null,
    lastName: contact?.lastName ?? null,
    fullName: names.length > 0 ? names.join(' ') : null,
    phoneNumbers: contact?.phoneNumbers ?? [],
    emailAddresses: contact?.emailAddresses ?? [],
    favoriteAgentId: contact?.favoriteAgentId ?? null,
    ownerIntegrationUserId: contact?.ownerIntegrationUserId ?? null,
    attributes: contact?.attributes ?? {},
  };
}

/** The stored timer of an offer's expiry. */
export function offerTimerId(interactionId: string, offerId: string): string {
  return `${interactionId}:offer:${offerId}`;
}

export type FlowRunner = ReturnType<typeof createFlowRunner>;

/** Timers a runner asks for, as stored rows. */
export type { StoredTimer };
