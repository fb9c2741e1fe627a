import { createHash } from 'node:crypto';
import { addressKindFor, normalizeAddress, normalizeEmail, normalizeLoosely, normalizePhoneNumber } from '../core/address.js';
import type { Callback } from '../core/callbacks.js';
import { type DispatchKey, decideDispatch, matchDispatchMapping } from '../core/dispatch.js';
import { AppError, apiError, notFound } from '../core/errors.js';
import { checkFreeForm } from '../core/json-limits.js';
import {
  type ChannelType,
  type ConversationMessage,
  type Direction,
  type DispatchDecision,
  type EmailMessage,
  finalStates,
  type Interaction,
  type InteractionEvent,
  interactionEvent,
  type MessageAuthor,
  type MessagingMedium,
  type OutboxItem,
  type Page,
  type PageRequest,
  type Queue,
  type StoredTimer,
  type Tenant,
  unplaced,
  untouchedRouting,
} from '../core/model.js';
import { placeInQueue } from '../core/placement.js';
import type { InteractionChange, InteractionFilter, Store, TimerChanges } from '../store/store.js';
import type { Clock } from './clock.js';
import type { ConfigurationService } from './configuration-service.js';
import { placeByEntryPoint } from './entry-point-placement.js';
import { type FlowRunner, offerTimerId } from './flow-runner.js';
import type { IdGenerator } from './id-generator.js';
import { type OutgoingContent, outboundMessage } from './messaging/outbound.js';
import type { Metrics } from './metrics.js';

type Body = Record<string, unknown>;
type NewEvent = Omit<InteractionEvent, 'seq'>;

/** An interaction with its ordered history, as the API shows it. */
export interface InteractionView extends Interaction {
  events: InteractionEvent[];
}

export interface InteractionDeps {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  configuration: ConfigurationService;
  flows: FlowRunner;
  /** Told after every committed interaction change (the router follows queues and capacity). */
  committed(interaction: Interaction): void;
  /** Arms timers this service saved (scheduled callbacks). */
  onTimers(changes: TimerChanges): void;
  /** Hands committed outbox items to the dispatcher (an invitation's message). */
  onOutbox(items: OutboxItem[]): void;
  metrics?: Metrics;
}

/** PATCH merges attributes; the merged object is what must stay within the free-form limits. */
function mergeAttributes(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  // Every value of the patch is in the merge: checking the merge checks the patch too.
  const merged = { ...current, ...patch };
  checkFreeForm(merged, 'attributes');
  return merged;
}

/** JSON with sorted keys, so the same request always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Interactions from arrival to a queue: normalises what providers send, dispatches by the tenant's
 * mappings (CONTRACT 0(b')), places the work per its entry point (2(b')) and records every
 * decision with its reason. Each change is stored with its events in one transaction before the
 * caller sees it.
 */
export function createInteractionService(deps: InteractionDeps) {
  const { store, clock, newId, configuration, flows } = deps;

  function normalizeCustomer(value: string, channelType: ChannelType, medium: MessagingMedium | null, tenant: Tenant): string {
    if (channelType === 'email') return normalizeEmail(value) ?? value.trim();
    // Messenger's page-scoped ids, Apple's conversation ids and web-chat sessions are opaque: digits
    // there are not a phone number.
    if (channelType === 'messaging' && medium !== null && medium !== 'whatsapp') return value.trim();
    if (channelType === 'voice' || channelType === 'sms') {
      return normalizePhoneNumber(value, tenant.defaultCountry) ?? normalizeLoosely(value, tenant.defaultCountry);
    }
    return normalizeLoosely(value, tenant.defaultCountry);
  }

  function normalizeContactPoint(value: string, channelType: ChannelType, medium: MessagingMedium | null, tenant: Tenant) {
    return (
      normalizeAddress(value, addressKindFor(channelType, medium), tenant.defaultCountry) ??
      normalizeLoosely(value, tenant.defaultCountry)
    );
  }

  /** The dispatch decision, and the tenant owning the mapping's flow (a parent's, for an inherited mapping). */
  async function dispatch(
    tenant: Tenant,
    key: DispatchKey,
  ): Promise<ReturnType<typeof decideDispatch> & { flowTenantId: string }> {
    const owners = await configuration.tenants.lineage(tenant);
    const depthOf = new Map(owners.map((owner, depth) => [owner.id, depth]));
    const values = {
      customer: key.customer ?? undefined,
      'contact-point': key.contactPoint ?? undefined,
      source: key.source ?? undefined,
      direction: key.direction,
    };
    const mappings = await store.findDispatchCandidates(
      owners.map((owner) => owner.id),
      { channelType: key.channelType, values },
    );
    const match = matchDispatchMapping(
      key,
      mappings.map((mapping) => ({ mapping, depth: depthOf.get(mapping.tenantId) ?? 0 })),
    );
    if (!match.matched) return { ...decideDispatch(key, match, null), flowTenantId: tenant.id };
    const { mapping } = match.winner;
    const flow = await store.flows.get(mapping.tenantId, mapping.flowId);
    const flowFacts = flow
      ? { id: flow.id, activeVersionId: flow.activeVersionId, versionIds: await store.flowVersionIds(mapping.tenantId, flow.id) }
      : null;
    return { ...decideDispatch(key, match, flowFacts), flowTenantId: mapping.tenantId };
  }

  /**
   * Dispatch of a new interaction (or transfer segment), and what follows: a dispatched interaction
   * starts its flow at once; a transfer segment goes straight to the queue it was transferred to.
   */
  async function route(
    tenant: Tenant,
    interaction: Interaction,
    transferQueue: Queue | null,
    placedAs: 'transfer' | 'callback' | 'invitation' | 'voicemail' = 'transfer',
  ): Promise<{ change: InteractionChange; after: () => void }> {
    const now = interaction.createdAt;
    const events: NewEvent[] = [];
    const key: DispatchKey = {
      channelType: interaction.channelType,
      direction: interaction.direction,
      customer: interaction.customer,
      contactPoint: interaction.contactPoint,
      source: interaction.source,
    };
    const { decision, error, flowTenantId } = await dispatch(tenant, key);
    const entryPoint = interaction.contactPoint
      ? await store.findEntryPointByAddress(tenant.id, interaction.channelType, interaction.contactPoint)
      : null;
    let next: Interaction = { ...interaction, dispatch: decision, entryPointId: entryPoint?.id ?? interaction.entryPointId };
    // Without a flow, nothing runs after the commit but telling the router and webhooks about it.
    const withoutFlow = (change: InteractionChange) => ({ change, after: () => deps.committed(change.interaction) });
    if (error && !transferQueue) {
      events.push(
        interactionEvent(interaction.id, 'interaction.undispatched', now, { dispatchError: error, reason: decision.reason }),
      );
      return withoutFlow({ interaction: { ...next, state: 'undispatched', dispatchError: error }, events });
    }
    if (!error) {
      next = { ...next, state: 'dispatched', flowId: decision.flowId, flowVersionId: decision.flowVersionId };
      events.push(interactionEvent(interaction.id, 'interaction.dispatched', now, dispatchEventData(decision)));
    }
    if (!transferQueue) {
      const started = await flows.start(tenant, next, {}, flowTenantId);
      started.change.events.unshift(...events);
      return started;
    }
    const placement = placeInQueue(transferQueue, next.unansweredSince ?? now, placedAs);
    events.push(
      interactionEvent(interaction.id, 'interaction.queued', now, {
        queueId: placement.queueId,
        dueAt: placement.dueAt,
        slaMinutes: placement.slaMinutes,
        reason: placement.reason,
      }),
    );
    return withoutFlow({
      interaction: { ...next, state: 'queued', queueId: placement.queueId, dueAt: placement.dueAt, placement, enqueuedAt: now },
      events,
    });
  }

  /**
   * The interaction with its events, as of one revision: a save landing between reading the record and
   * its events (a timer's, the router's) would otherwise pair an older record with newer events, so the
   * read is taken again until the revision held still across it.
   */
  async function get(tenant: Tenant, id: string): Promise<InteractionView> {
    for (let attempt = 1; ; attempt++) {
      const interaction = await store.getInteraction(tenant.id, id);
      if (!interaction) throw notFound('interaction');
      const events = await store.listInteractionEvents(tenant.id, id);
      const after = attempt < 5 ? await store.getInteraction(tenant.id, id) : interaction;
      if (after?.revision === interaction.revision) return { ...interaction, events };
    }
  }

  /** Saves a changed interaction; a concurrent change makes the caller retry from fresh state. */
  async function save(changes: InteractionChange[]): Promise<void> {
    if (!(await store.saveInteractions(changes))) {
      throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed while this request ran; retry it.'));
    }
    for (const change of changes) deps.committed(change.interaction);
  }

  function requireOpen(interaction: Interaction): void {
    if (finalStates.has(interaction.state)) {
      throw new AppError(apiError('INTERACTION_CLOSED', `The interaction is ${interaction.state} and cannot change.`));
    }
  }

  /** A callback for later: it waits (created) with a stored timer that queues it when its time comes. */
  function scheduleCallback(
    interaction: Interaction,
    scheduled: { queueId: string; at: string },
  ): { change: InteractionChange; after: () => void } {
    const timer: StoredTimer = {
      id: newId(),
      tenantId: interaction.tenantId,
      interactionId: interaction.id,
      kind: 'callback',
      dueAt: scheduled.at,
    };
    const timers = { set: [timer], cancel: [] };
    const events = [interactionEvent(interaction.id, 'interaction.scheduled', interaction.createdAt, { ...scheduled })];
    return {
      change: { interaction, events, timers },
      after: () => {
        deps.committed(interaction);
        deps.onTimers(timers);
      },
    };
  }

  /**
   * What an adapter adds to a new interaction: the telephony API's voice call record and the call it
   * continues, since when its customer has been waiting, and for work that skips dispatch the queue it
   * waits in.
   */
  type Extras = Partial<
    Pick<Interaction, 'id' | 'voiceCall' | 'parentInteractionId' | 'unansweredSince' | 'contactId' | 'invitation' | 'liveCall'>
  > & {
    /** A callback: its queue (no flow), at once or when `at` comes, and the request it serves. */
    callback?: { queue: Queue; at: string | null; callback: Callback; requirements: string | null };
    /** An invitation to chat: the queue it waits in (no flow), and the agent it prefers. */
    invitationQueue?: Queue;
    /** Voicemail work: the queue it waits in (no flow), its recording, and who may take it. */
    voicemail?: { queue: Queue; recording: NonNullable<Interaction['voicemail']>; requirements: string | null };
    preferredAgent?: { agent: string; expiresAt: string };
    /** Messaging: the customer's message that starts the conversation, stored with it. */
    firstMessage?: Omit<ConversationMessage, 'interactionId'>;
    /** Messaging: a message to the customer, stored and queued in the outbox with the interaction. */
    outgoing?: { content: OutgoingContent; author: MessageAuthor; sender: ConversationMessage['sender'] };
  };

  /**
   * A new interaction, dispatched and placed, as a change to store (alone, or with the change that
   * caused it) and what to do once it is committed.
   */
  async function prepare(
    tenant: Tenant,
    body: Body,
    extras: Extras = {},
  ): Promise<{ change: InteractionChange; after: () => void }> {
    const channelType = body.channelType as ChannelType;
    const medium = channelType === 'messaging' ? ((body.medium as MessagingMedium | undefined) ?? null) : null;
    if (body.medium !== undefined && channelType !== 'messaging') {
      throw new AppError(apiError('MEDIUM_NOT_ALLOWED', 'Only messaging interactions have a medium.', 'medium'));
    }
    checkFreeForm(body.attributes, 'attributes');
    const now = clock.now();
    const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
    const customer = text(body.customer);
    const contactPoint = text(body.contactPoint);
    const requirements = extras.voicemail?.requirements ?? extras.callback?.requirements ?? null;
    const base: Interaction = {
      id: extras.id ?? newId(),
      tenantId: tenant.id,
      channelType,
      medium,
      direction: ((body.direction as string | undefined)?.toLowerCase() ?? 'inbound') as Direction,
      customer: customer === null ? null : normalizeCustomer(customer, channelType, medium, tenant),
      contactPoint: contactPoint === null ? null : normalizeContactPoint(contactPoint, channelType, medium, tenant),
      source: text(body.source),
      attributes: (body.attributes as Record<string, unknown> | undefined) ?? {},
      priority: (body.priority as number | undefined) ?? 0,
      state: 'created',
      ...unplaced(),
      unansweredSince: extras.unansweredSince ?? now,
      noReplyNeeded: false,
      ...untouchedRouting(),
      parentInteractionId: extras.parentInteractionId ?? null,
      ...(extras.voiceCall ? { voiceCall: extras.voiceCall } : {}),
      ...(extras.callback?.at ? { scheduledCallback: { queueId: extras.callback.queue.id, at: extras.callback.at } } : {}),
      ...(extras.callback ? { callback: extras.callback.callback } : {}),
      ...(extras.firstMessage ? { lastCustomerMessageAt: extras.firstMessage.sentAt } : {}),
      ...(extras.contactId ? { contactId: extras.contactId } : {}),
      ...(extras.invitation ? { invitation: extras.invitation } : {}),
      ...(extras.liveCall ? { liveCall: extras.liveCall } : {}),
      ...(extras.voicemail ? { voicemail: extras.voicemail.recording } : {}),
      // The call's skills requirements go with its voicemail or callback.
      ...(requirements
        ? {
            routing: {
              stepId: null,
              requirements,
              preferredAgent: null,
              targetAgent: null,
              maxWaitUntil: null,
            },
          }
        : {}),
      ...(extras.preferredAgent
        ? {
            routing: {
              stepId: null,
              requirements: null,
              preferredAgent: extras.preferredAgent,
              targetAgent: null,
              maxWaitUntil: null,
            },
          }
        : {}),
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    const created = interactionEvent(base.id, 'interaction.created', now, {
      channelType: base.channelType,
      direction: base.direction,
      customer: base.customer,
      contactPoint: base.contactPoint,
      source: base.source,
    });
    // A call created through the telephony API is routed when the provider asks (omniFlow), not by the
    // dispatch mappings at once: the caller may still be in the provider's own IVR.
    const routed = base.voiceCall
      ? { change: { interaction: base, events: [] as NewEvent[] }, after: () => deps.committed(base) }
      : base.scheduledCallback
        ? scheduleCallback(base, base.scheduledCallback)
        : extras.invitationQueue
          ? await route(tenant, base, extras.invitationQueue, 'invitation')
          : extras.voicemail
            ? await route(tenant, base, extras.voicemail.queue, 'voicemail')
            : await route(tenant, base, extras.callback?.queue ?? null, 'callback');
    routed.change.events.unshift(created);
    if (extras.firstMessage) {
      const message: ConversationMessage = { ...extras.firstMessage, interactionId: base.id };
      routed.change.events.splice(1, 0, interactionEvent(base.id, 'message.received', now, { message }));
      routed.change.messages = [...(routed.change.messages ?? []), message];
    }
    const outgoing = extras.outgoing
      ? outboundMessage(newId, now, { tenantId: tenant.id, interactionId: base.id }, extras.outgoing.content, extras.outgoing)
      : null;
    if (outgoing) {
      routed.change.events.push(interactionEvent(base.id, 'message.queued', now, { message: outgoing.message }));
      routed.change.messages = [...(routed.change.messages ?? []), outgoing.message];
      routed.change.outbox = [...(routed.change.outbox ?? []), outgoing.item];
    }
    return {
      change: routed.change,
      after: () => {
        deps.metrics?.interactionCreated(base.channelType);
        routed.after();
        if (outgoing) deps.onOutbox([outgoing.item]);
      },
    };
  }

  const service = {
    /**
     * Creates, dispatches and places an interaction. With an idempotency key, a retry of the same
     * request returns the interaction created first (`replayed: true`).
     */
    async create(
      tenant: Tenant,
      body: Body,
      idempotencyKey: string | null,
      extras: Extras = {},
    ): Promise<{ interaction: InteractionView; replayed: boolean }> {
      // Only a request that can be retried under its key needs its fingerprint.
      const requestHash = idempotencyKey ? createHash('sha256').update(canonicalJson(body)).digest('hex') : '';
      if (idempotencyKey) {
        const first = await store.findInteractionByIdempotencyKey(tenant.id, idempotencyKey);
        if (first) return { interaction: await replay(tenant, first, requestHash), replayed: true };
      }
      const prepared = await prepare(tenant, body, extras);
      const outcome = await store.createInteraction(
        prepared.change,
        idempotencyKey ? { key: idempotencyKey, requestHash } : null,
      );
      if (!outcome.created) return { interaction: await replay(tenant, outcome, requestHash), replayed: true };
      prepared.after();
      // What was just stored, as GET would read it (without reading it back).
      return { interaction: { ...prepared.change.interaction, events: outcome.events }, replayed: false };
    },

    prepare,

    get,

    /**
     * The voice provider reports the recording of a voicemail a flow's voicemail step took: the voicemail
     * becomes work (a work item linked to the call) in the step's queue, with the call's priority, skills
     * requirements and waiting time (so its due date). Reported again, it answers the same work.
     */
    async recordVoicemail(
      tenant: Tenant,
      callId: string,
      body: Body,
    ): Promise<{ interaction: InteractionView; replayed: boolean }> {
      const call = await get(tenant, callId);
      const recordingUrl = typeof body.recordingUrl === 'string' ? body.recordingUrl.trim() : '';
      if (!/^https?:\/\/\S+$/i.test(recordingUrl)) {
        throw new AppError(apiError('INVALID_URL', 'recordingUrl must be an http or https URL.', 'recordingUrl'));
      }
      const durationSeconds = typeof body.durationSeconds === 'number' ? body.durationSeconds : null;
      const key = `voicemail:${call.id}`;
      const awaited = call.awaitedVoicemail;
      if (!awaited) {
        // Reported already: the same work again; otherwise the call took no voicemail.
        const first = await store.findInteractionByIdempotencyKey(tenant.id, key);
        if (first) return { interaction: await get(tenant, first.interactionId), replayed: true };
        throw new AppError(
          apiError('VOICEMAIL_NOT_AWAITED', 'The call did not end in a voicemail step, so no recording is awaited.'),
        );
      }
      const queue = awaited.queueId ? await store.queues.get(tenant.id, awaited.queueId) : null;
      if (!queue) {
        throw new AppError(
          apiError(
            'ROUTING_FAILED',
            'No queue for the voicemail: the step names none and the call was in none (or it was deleted).',
          ),
        );
      }
      const made = await service.create(
        tenant,
        {
          channelType: 'work-item',
          direction: 'inbound',
          customer: call.customer,
          source: 'voicemail',
          priority: call.priority,
          attributes: { voicemailFor: call.id },
        },
        key,
        {
          parentInteractionId: call.id,
          unansweredSince: call.unansweredSince ?? call.createdAt,
          ...(call.contactId ? { contactId: call.contactId } : {}),
          voicemail: { queue, recording: { callId: call.id, recordingUrl, durationSeconds }, requirements: awaited.requirements },
        },
      );
      const now = clock.now();
      const { events: _history, ...stored } = call;
      const recorded: Interaction = { ...stored, awaitedVoicemail: null, revision: call.revision + 1, updatedAt: now };
      const event = interactionEvent(call.id, 'voicemail.recorded', now, {
        workId: made.interaction.id,
        recordingUrl,
        durationSeconds,
      });
      // The step's email learns of it, through the outbox, in the same change.
      const email: OutboxItem[] = awaited.notificationEmail
        ? [
            {
              id: newId(),
              tenantId: tenant.id,
              orderingKey: call.id,
              destination: 'email',
              payload: {
                interactionId: call.id,
                email: voicemailEmail(awaited.notificationEmail, call, recordingUrl, durationSeconds),
              },
              attempts: 0,
              nextAttemptAt: now,
              lastError: null,
              state: 'pending',
              createdAt: now,
            },
          ]
        : [];
      await save([{ interaction: recorded, events: [event], outbox: email }]);
      if (email.length > 0) deps.onOutbox(email);
      return made;
    },

    list: (tenant: Tenant, filter: InteractionFilter, page: PageRequest): Promise<Page<Interaction>> =>
      store.listInteractions(tenant.id, filter, page),

    /** Flags and priority that people change by hand. */
    async update(tenant: Tenant, id: string, body: Body): Promise<InteractionView> {
      const current = await get(tenant, id);
      requireOpen(current);
      const { events: _history, ...interaction } = current;
      const now = clock.now();
      const changed: Interaction = {
        ...interaction,
        noReplyNeeded: typeof body.noReplyNeeded === 'boolean' ? body.noReplyNeeded : interaction.noReplyNeeded,
        priority: typeof body.priority === 'number' ? body.priority : interaction.priority,
        attributes: body.attributes
          ? mergeAttributes(interaction.attributes, body.attributes as Record<string, unknown>)
          : interaction.attributes,
        revision: interaction.revision + 1,
        updatedAt: now,
      };
      await save([{ interaction: changed, events: [interactionEvent(id, 'interaction.updated', now, { changes: body })] }]);
      return get(tenant, id);
    },

    /**
     * A new inbound communication on an open conversation (the customer emails, then calls): the
     * due date this contact would give is compared with the open one and the earlier is kept
     * (CONTRACT 2(c) 20). The conversation stays in its queue.
     */
    async addInboundContact(tenant: Tenant, id: string, body: Body): Promise<InteractionView> {
      const current = await get(tenant, id);
      requireOpen(current);
      const { events: _history, ...interaction } = current;
      const now = clock.now();
      const channelType = (body.channelType as ChannelType | undefined) ?? interaction.channelType;
      const medium = channelType === 'messaging' ? ((body.medium as MessagingMedium | undefined) ?? null) : null;
      const raw = typeof body.contactPoint === 'string' && body.contactPoint.trim() !== '' ? body.contactPoint : null;
      const contactPoint = raw === null ? null : normalizeContactPoint(raw, channelType, medium, tenant);
      const { result: placed } = await placeByEntryPoint(
        store,
        tenant,
        { channelType, medium, contactPoint, at: now },
        interaction.dueAt,
      );
      const dueAt = placed.ok ? placed.placement.dueAt : interaction.dueAt;
      const changed: Interaction = {
        ...interaction,
        dueAt,
        unansweredSince: interaction.unansweredSince ?? now,
        revision: interaction.revision + 1,
        updatedAt: now,
      };
      const data = placed.ok
        ? {
            channelType,
            contactPoint,
            potentialDueAt: placed.placement.potentialDueAt,
            dueAt,
            slaMinutes: placed.placement.slaMinutes,
            reason: placed.placement.reason,
          }
        : { channelType, contactPoint, dueAt, reason: `${placed.reason} The due date is unchanged.` };
      await save([{ interaction: changed, events: [interactionEvent(id, 'interaction.contact_added', now, data)] }]);
      return get(tenant, id);
    },

    /**
     * Transfers to a queue: a new segment (direction inbound, dispatched by inbound mappings —
     * CONTRACT 0(c) 25) waits in the target queue with its due date restarted from the oldest
     * unanswered contact with the new queue's SLA (2(c) 21). The old segment ends as `transferred`.
     */
    async transfer(tenant: Tenant, id: string, body: Body): Promise<InteractionView> {
      const current = await get(tenant, id);
      requireOpen(current);
      const { events: _history, ...interaction } = current;
      // To an agent: offered to that agent first (for expiresAfterSeconds), in the given queue or the current one.
      const agent = typeof body.agentId === 'string' ? await store.findAgent(tenant.id, body.agentId) : null;
      if (typeof body.agentId === 'string' && !agent) {
        throw new AppError(apiError('AGENT_NOT_FOUND', 'No agent with this id, email or employee id in the tenant.', 'agentId'));
      }
      const queueId = typeof body.queueId === 'string' ? body.queueId : agent ? (interaction.queueId ?? '') : '';
      const queue = queueId ? await store.queues.get(tenant.id, queueId) : null;
      if (!queue) {
        const message = agent
          ? 'The interaction is in no queue; name the queue to transfer to.'
          : 'No queue with this id in the tenant.';
        throw new AppError(apiError(agent || !body.queueId ? 'REQUIRED' : 'QUEUE_NOT_FOUND', message, 'queueId'));
      }
      const now = clock.now();
      const unansweredSince = interaction.unansweredSince ?? now;
      const segment: Interaction = {
        ...interaction,
        id: newId(),
        direction: 'inbound',
        state: 'created',
        flowId: null,
        flowVersionId: null,
        queueId: null,
        entryPointId: interaction.entryPointId,
        dueAt: null,
        unansweredSince,
        dispatchError: null,
        dispatch: null,
        placement: null,
        parentInteractionId: interaction.id,
        enqueuedAt: null,
        ...untouchedRouting(),
        routing: agent
          ? {
              stepId: null,
              requirements: null,
              preferredAgent: null,
              targetAgent: {
                agent: agent.id,
                expiresAt: new Date(
                  Date.parse(now) + ((body.expiresAfterSeconds as number | undefined) ?? 60) * 1000,
                ).toISOString(),
              },
              maxWaitUntil: null,
            }
          : null,
        revision: 1,
        createdAt: now,
        updatedAt: now,
      };
      const routed = await route(tenant, segment, queue);
      routed.change.events.unshift(
        interactionEvent(segment.id, 'interaction.created', now, { cause: 'transfer', fromInteractionId: id }),
      );
      // The old segment's flow (if it still waited) ends with it: its timers go too.
      const closed: Interaction = {
        ...interaction,
        state: 'transferred',
        routing: null,
        flowRun: interaction.flowRun?.waiting
          ? { ...interaction.flowRun, status: 'completed', waiting: null }
          : interaction.flowRun,
        revision: interaction.revision + 1,
        updatedAt: now,
      };
      const cancel = [
        interaction.flowRun?.waiting?.timerId,
        interaction.offer ? offerTimerId(id, interaction.offer.id) : undefined,
      ];
      await save([
        {
          interaction: { ...closed, offer: null },
          events: [
            interactionEvent(id, 'interaction.transferred', now, {
              toInteractionId: segment.id,
              queueId: queue.id,
              agentId: agent?.id ?? null,
            }),
          ],
          timers: { set: [], cancel: cancel.filter((t): t is string => typeof t === 'string') },
        },
        routed.change,
      ]);
      return get(tenant, segment.id);
    },

    /** The queue's waiting work in routing order; the first is the next to be served. */
    async waiting(tenant: Tenant, queueId: string, limit: number): Promise<Interaction[]> {
      await configuration.queues.get(tenant, queueId);
      return store.listQueueWaiting(tenant.id, queueId, { limit, includeNoReplyNeeded: false });
    },
  };
  return service;

  async function replay(
    tenant: Tenant,
    first: { interactionId: string; requestHash: string },
    requestHash: string,
  ): Promise<InteractionView> {
    if (first.requestHash !== requestHash) {
      throw new AppError(
        apiError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body.', 'Idempotency-Key'),
      );
    }
    return get(tenant, first.interactionId);
  }
}

function dispatchEventData(decision: DispatchDecision): Record<string, unknown> {
  return {
    mappingId: decision.mappingId,
    flowId: decision.flowId,
    flowVersionId: decision.flowVersionId,
    reason: decision.reason,
  };
}

export type InteractionService = ReturnType<typeof createInteractionService>;

/** The email a voicemail's step sends: who called, how long, where to listen. */
function voicemailEmail(to: string, call: Interaction, recordingUrl: string, durationSeconds: number | null): EmailMessage {
  const from = call.customer ?? 'an unknown number';
  const length = durationSeconds === null ? '' : ` (${durationSeconds} s)`;
  return {
    to,
    subject: `Voicemail from ${from}${length}`,
    text: [
      `${from} left a voicemail${length} on ${call.contactPoint ?? 'your line'}.`,
      `Listen: ${recordingUrl}`,
      `Call: ${call.id}`,
    ].join('\n'),
  };
}
