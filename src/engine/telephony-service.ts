import { normalizePhoneNumber, normalizeSipUri } from '../core/address.js';
import { AppError, apiError } from '../core/errors.js';
import { checkFreeForm } from '../core/json-limits.js';
import {
  type CallCenter,
  type Flow,
  type InitiationMethod,
  type Interaction,
  initiationMethods,
  interactionEvent,
  type PendingRouting,
  type Queue,
  type Tenant,
  type VoiceCall,
} from '../core/model.js';
import { placeInQueue } from '../core/placement.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { FlowRunner } from './flow-runner.js';
import type { InteractionService } from './interaction-service.js';
import type { Router } from './router-service.js';

type Body = Record<string, unknown>;

/** How long omniFlow waits for a flow that is waiting on something (an HTTP step) to route the call. */
const routingWaitMs = 8000;

const openBeforeAnswer = new Set(['created', 'dispatched', 'undispatched', 'in_flow', 'queued', 'offered']);
/** Being routed: in a flow, waiting in a queue, or offered. */
const routingStates = new Set(['in_flow', 'queued', 'offered']);

function refuse(code: 'REQUIRED' | 'INVALID_VALUE' | 'INVALID_TYPE', message: string, field: string): never {
  throw new AppError(apiError(code, message, field));
}

function requiredText(body: Body, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    refuse('REQUIRED', `${field} is required`, field);
  }
  if (typeof value !== 'string') refuse('INVALID_TYPE', `${field} must be a string`, field);
  return value.trim();
}

function optionalText(body: Body, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') refuse('INVALID_TYPE', `${field} must be a string`, field);
  return value.trim();
}

function isoTime(body: Body, field: string): string | null {
  const value = optionalText(body, field);
  if (value === null) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) refuse('INVALID_VALUE', `${field} must be a date and time (ISO 8601)`, field);
  return new Date(ms).toISOString();
}

/**
 * A JSON object given as an object or as its JSON text (the vendor documents strings, and providers
 * send both); anything else is refused.
 */
function jsonObject(body: Body, field: string): Record<string, unknown> {
  let value = body[field];
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      refuse('INVALID_VALUE', `${field} must be a JSON object or a string holding one`, field);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse('INVALID_VALUE', `${field} must be a JSON object or a string holding one`, field);
  }
  checkFreeForm(value, field);
  return value as Record<string, unknown>;
}

/** The fields of a create that have a place of their own; the rest are kept in the record's details. */
const createFields = new Set([
  'callCenterApiName',
  'vendorCallKey',
  'to',
  'from',
  'initiationMethod',
  'startTime',
  'participants',
  'callAttributes',
  'parentVoiceCallId',
]);

function initiationMethod(body: Body): InitiationMethod {
  const given = requiredText(body, 'initiationMethod');
  const method = initiationMethods.find((m) => m.toLowerCase() === given.toLowerCase());
  if (!method) refuse('INVALID_VALUE', `initiationMethod must be one of ${initiationMethods.join(', ')}`, 'initiationMethod');
  return method;
}

/** Outcome of an omniFlow request: the provider's ids of the agent and/or queue the call was routed to. */
export interface RoutingInstructions {
  agent?: string;
  queue?: string;
}

export interface TelephonyDeps {
  store: Store;
  clock: Clock;
  interactions: InteractionService;
  flows: FlowRunner;
  router: Router;
  /** Called after a change this service saved itself (the router and webhooks follow). */
  committed(interaction: Interaction): void;
}

/** One rule of the omniFlow precedence that applies to the call. */
interface RoutingSource {
  label: string;
  flow: Flow | null;
  /** Why a named flow could not run (unknown devName, no active version). */
  flowProblem: string | null;
  fallbackQueue: Queue | null;
}

/**
 * The engine side of the Service Cloud Voice-compatible telephony API (seed 003): voice call records
 * as voice interactions, omniFlow routing through Switchboard flows and the router, and the pending
 * routing record that clearRouting removes. Wire formats and JWTs live in adapters/scv.
 */
export function createTelephonyService(deps: TelephonyDeps) {
  const { store, clock } = deps;
  const waiters = new Map<string, Set<(interaction: Interaction) => void>>();

  async function find(tenant: Tenant, callCenter: CallCenter, callId: string): Promise<Interaction> {
    const call = await store.findVoiceCall(tenant.id, callCenter.id, callId);
    if (!call?.voiceCall) throw new AppError(apiError('VOICE_CALL_NOT_FOUND', `No voice call ${callId}`));
    return call;
  }

  async function save(before: Interaction, after: Interaction, events: ReturnType<typeof interactionEvent>[]): Promise<void> {
    const changed = { ...after, revision: before.revision + 1, updatedAt: clock.now() };
    if (!(await store.saveInteractions([{ interaction: changed, events }]))) {
      throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The call changed while this request ran; retry'));
    }
    deps.committed(changed);
  }

  /** The voice entry point (phone channel) of a number, when it names a flow or a fallback queue. */
  async function phoneChannel(tenant: Tenant, number: string, label: string): Promise<RoutingSource | null> {
    const entryPoint = await store.findEntryPointByAddress(tenant.id, 'voice', number);
    if (!entryPoint || (!entryPoint.flowId && !entryPoint.fallbackQueueId)) return null;
    const flow = entryPoint.flowId ? await store.flows.get(tenant.id, entryPoint.flowId) : null;
    const fallbackQueue = entryPoint.fallbackQueueId ? await store.queues.get(tenant.id, entryPoint.fallbackQueueId) : null;
    return {
      label: `${label} ${number}`,
      flow,
      flowProblem: flow && !flow.activeVersionId ? `Flow ${flow.devName} has no active version` : null,
      fallbackQueue,
    };
  }

  /** The rules of CONTRACT 3(b'), in order, that apply to this call and request. */
  async function sourcesFor(tenant: Tenant, call: Interaction, body: Body): Promise<RoutingSource[]> {
    const voiceCall = call.voiceCall as VoiceCall;
    const sources: RoutingSource[] = [];
    const recorded = normalizePhoneNumber(voiceCall.to, tenant.defaultCountry) ?? normalizeSipUri(voiceCall.to);
    const fromCall = recorded ? await phoneChannel(tenant, recorded, 'phone channel of the called number') : null;
    if (fromCall) sources.push(fromCall);
    const dialed = requiredText(body, 'dialedNumber');
    const dialedNumber = normalizePhoneNumber(dialed, tenant.defaultCountry) ?? normalizeSipUri(dialed);
    if (!dialedNumber) refuse('INVALID_VALUE', 'dialedNumber must be a phone number', 'dialedNumber');
    if (dialedNumber !== recorded) {
      const fromParameter = await phoneChannel(tenant, dialedNumber, 'phone channel of dialedNumber');
      if (fromParameter) sources.push(fromParameter);
    }
    const flowDevName = optionalText(body, 'flowDevName');
    const fallbackRef = optionalText(body, 'fallbackQueue');
    const fallbackQueue = fallbackRef ? await store.findQueue(tenant.id, fallbackRef) : null;
    if (flowDevName || fallbackRef) {
      const flow = flowDevName ? await store.findFlowByDevName(tenant.id, flowDevName) : null;
      let flowProblem: string | null = null;
      if (flowDevName && !flow) flowProblem = `No flow has the devName ${flowDevName}`;
      else if (flow && !flow.activeVersionId) flowProblem = `Flow ${flow.devName} has no active version`;
      sources.push({
        label: flowDevName ? `flowDevName ${flowDevName}` : `fallbackQueue ${fallbackRef}`,
        flow: flowProblem ? null : flow,
        flowProblem,
        fallbackQueue,
      });
      if (fallbackRef && !fallbackQueue)
        sources.push({ label: 'unknown fallbackQueue', flow: null, flowProblem: `No queue ${fallbackRef}`, fallbackQueue: null });
    }
    return sources;
  }

  /** Resolves when the call leaves in_flow (or the wait runs out), for flows that wait on a request. */
  function settled(call: Interaction): Promise<Interaction> {
    return new Promise((resolve) => {
      let set = waiters.get(call.id);
      if (!set) {
        set = new Set();
        waiters.set(call.id, set);
      }
      const listener = (changed: Interaction) => {
        if (changed.state === 'in_flow') return;
        done(changed);
      };
      const timer = setTimeout(() => done(call), routingWaitMs);
      const done = (result: Interaction) => {
        clearTimeout(timer);
        set?.delete(listener);
        if (set?.size === 0) waiters.delete(call.id);
        resolve(result);
      };
      set.add(listener);
    });
  }

  /**
   * Runs one rule: its flow (a failure falls back to the rule's queue inside the run), or its queue
   * alone. The routed call, saved; null when the rule did not route it (nothing saved then).
   */
  async function tryRoute(tenant: Tenant, call: Interaction, source: RoutingSource, inputs: Record<string, unknown>) {
    const now = clock.now();
    if (source.flow?.activeVersionId) {
      const prepared: Interaction = {
        ...call,
        state: 'dispatched',
        // omniFlow chose the flow: no dispatch mapping was needed after all.
        dispatchError: null,
        flowId: source.flow.id,
        flowVersionId: source.flow.activeVersionId,
        fallbackQueueId: source.fallbackQueue?.id ?? null,
        // start() saves the change on top of the revision before the one it is given.
        revision: call.revision + 1,
      };
      const applied = await deps.flows.start(tenant, prepared, inputs);
      const outcome = applied.change.interaction.state;
      if (outcome === 'queued' || outcome === 'in_flow') {
        applied.change.events.unshift(
          interactionEvent(call.id, 'voice_call.flow_started', now, { source: source.label, flowId: source.flow.id }),
        );
        if (!(await store.saveInteractions([applied.change]))) {
          throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The call changed while this request ran; retry'));
        }
        // Watch before the effects run: a flow that answers at once must not be missed.
        const waiting = outcome === 'in_flow' ? settled(applied.change.interaction) : null;
        applied.after();
        const result = waiting ? await waiting : applied.change.interaction;
        if (result.state === 'in_flow') {
          // Still waiting: no other rule may start a second run on the call. clearRouting stops this one.
          throw new AppError(apiError('ROUTING_FAILED', `The flow did not route the call within ${routingWaitMs / 1000} s`));
        }
        return result.state === 'queued' ? result : null;
      }
    }
    if (!source.fallbackQueue) return null;
    const placement = placeInQueue(source.fallbackQueue, call.unansweredSince ?? call.createdAt, 'flow-fallback');
    const queued: Interaction = {
      ...call,
      state: 'queued',
      dispatchError: null,
      queueId: source.fallbackQueue.id,
      dueAt: placement.dueAt,
      placement,
      enqueuedAt: now,
      routing: { stepId: null, requirements: null, preferredAgent: null, targetAgent: null, maxWaitUntil: null },
    };
    await save(call, queued, [
      interactionEvent(call.id, 'interaction.queued', now, {
        queueId: placement.queueId,
        dueAt: placement.dueAt,
        slaMinutes: placement.slaMinutes,
        reason: `${source.label}: ${source.flowProblem ?? (source.flow ? 'the flow failed' : 'no flow')}, so its fallback queue ${source.fallbackQueue.devName} takes the call`,
      }),
    ]);
    return { ...queued, revision: call.revision + 1 };
  }

  /** The provider's ids for where the call went, or why they cannot be given (an unmapped agent or queue). */
  async function instructions(
    tenant: Tenant,
    callCenter: CallCenter,
    routed: Interaction,
  ): Promise<{ ok: true; value: RoutingInstructions } | { ok: false; message: string }> {
    const target = routed.routing?.targetAgent?.agent;
    if (target) {
      const agent = await store.findAgent(tenant.id, target);
      const map = agent ? await store.findRoutingMap(callCenter.id, 'user', agent.id) : null;
      if (!map)
        return { ok: false, message: `Agent ${agent?.name ?? target} is not mapped for call center ${callCenter.apiName}` };
      return { ok: true, value: { agent: map.externalId } };
    }
    const queue = routed.queueId ? await store.queues.get(tenant.id, routed.queueId) : null;
    const map = queue ? await store.findRoutingMap(callCenter.id, 'queue', queue.id) : null;
    if (!map)
      return {
        ok: false,
        message: `Queue ${queue?.devName ?? routed.queueId} is not mapped for call center ${callCenter.apiName}`,
      };
    return { ok: true, value: { queue: map.externalId } };
  }

  return {
    /** POST /voiceCalls: a voice interaction (dispatch applies); a known vendorCallKey answers its first record. */
    async createCall(
      tenant: Tenant,
      callCenter: CallCenter,
      body: Body,
      providerName: string | null,
    ): Promise<{ voiceCallId: string; created: boolean }> {
      const apiName = requiredText(body, 'callCenterApiName');
      if (apiName !== callCenter.apiName) {
        refuse(
          'INVALID_VALUE',
          `callCenterApiName must be the call center of the token (${callCenter.apiName})`,
          'callCenterApiName',
        );
      }
      const vendorCallKey = requiredText(body, 'vendorCallKey');
      const to = requiredText(body, 'to');
      const from = requiredText(body, 'from');
      const method = initiationMethod(body);
      const startTime = isoTime(body, 'startTime') ?? refuse('REQUIRED', 'startTime is required', 'startTime');
      const participants = body.participants ?? [];
      if (!Array.isArray(participants)) refuse('INVALID_TYPE', 'participants must be a list', 'participants');
      const callAttributes = jsonObject(body, 'callAttributes');
      const parentRef = optionalText(body, 'parentVoiceCallId');
      if (method === 'Transfer' && !parentRef)
        refuse('REQUIRED', 'parentVoiceCallId is required for a transfer', 'parentVoiceCallId');
      const parent = parentRef ? await find(tenant, callCenter, parentRef) : null;
      if (!parent) {
        // The vendor: a second record with the same vendor call key is not created.
        const existing = await store.findVoiceCall(tenant.id, callCenter.id, vendorCallKey);
        if (existing) return { voiceCallId: existing.id, created: false };
      }
      const inbound = method === 'Inbound' || method === 'Transfer';
      // Every other field the provider sends (callSubtype, callOrigin, queue, …) is kept as sent, as an
      // update keeps its fields: nothing the provider reports is dropped without a word.
      const details = Object.fromEntries(Object.entries(body).filter(([key]) => !createFields.has(key)));
      checkFreeForm(details, 'fields');
      const voiceCall: VoiceCall = {
        callCenterId: callCenter.id,
        vendorCallKey,
        providerName,
        from,
        to,
        initiationMethod: method,
        startTime,
        endTime: null,
        enqueueTime: null,
        acceptTime: null,
        callAttributes,
        participants,
        parentVoiceCallId: parent?.id ?? null,
        details,
        pendingRouting: null,
        missed: false,
      };
      const { interaction } = await deps.interactions.create(
        tenant,
        {
          channelType: 'voice',
          direction: inbound ? 'inbound' : 'outbound',
          customer: inbound ? from : to,
          contactPoint: inbound ? to : from,
          source: providerName ?? callCenter.apiName,
          attributes: callAttributes,
        },
        null,
        { voiceCall, parentInteractionId: parent?.id ?? null },
      );
      return { voiceCallId: interaction.id, created: true };
    },

    /** PATCH /voiceCalls/{id}: what the provider learnt; an end before anyone answered makes a missed call. */
    async updateCall(tenant: Tenant, callCenter: CallCenter, callId: string, body: Body): Promise<Interaction> {
      const call = await find(tenant, callCenter, callId);
      const voiceCall = call.voiceCall as VoiceCall;
      const times = {
        startTime: isoTime(body, 'startTime') ?? voiceCall.startTime,
        endTime: isoTime(body, 'endTime') ?? voiceCall.endTime,
        enqueueTime: isoTime(body, 'enqueueTime') ?? voiceCall.enqueueTime,
        acceptTime: isoTime(body, 'acceptTime') ?? voiceCall.acceptTime,
      };
      const attributes = body.callAttributes === undefined ? {} : jsonObject(body, 'callAttributes');
      const reported = Object.fromEntries(
        Object.entries(body).filter(
          ([key]) => !['startTime', 'endTime', 'enqueueTime', 'acceptTime', 'callAttributes'].includes(key),
        ),
      );
      // Every other field is kept as reported: free-form, so bounded like attributes, also once merged.
      const details = { ...voiceCall.details, ...reported };
      const mergedAttributes = { ...call.attributes, ...attributes };
      checkFreeForm(details, 'fields');
      checkFreeForm(mergedAttributes, 'callAttributes');
      const ends = voiceCall.endTime === null && times.endTime !== null;
      // Nobody took it: it ended waiting, in a flow, or after its routing failed.
      const unanswered = ends && call.agentId === null && !['connected', 'wrap_up', 'completed'].includes(call.state);
      const updated: Interaction = {
        ...call,
        attributes: mergedAttributes,
        voiceCall: {
          ...voiceCall,
          ...times,
          callAttributes: { ...voiceCall.callAttributes, ...attributes },
          details,
          missed: voiceCall.missed || unanswered,
          pendingRouting: ends ? null : voiceCall.pendingRouting,
        },
      };
      const now = clock.now();
      const events = [interactionEvent(call.id, 'voice_call.updated', now, { fields: Object.keys(body) })];
      if (unanswered)
        events.push(interactionEvent(call.id, 'voice_call.missed', now, { state: call.state, endTime: times.endTime }));
      await save(call, updated, events);
      // The customer hung up: an answered call ends (wrap-up), an unanswered one is abandoned.
      if (ends && call.state === 'connected') return deps.router.end(tenant.id, call.id, 'customer', null);
      if (unanswered && openBeforeAnswer.has(call.state) && call.state !== 'created') {
        return deps.router.abandon(tenant.id, call.id);
      }
      return updated;
    },

    /** PATCH /voiceCalls/{id}/omniFlow: routes the call by the precedence of CONTRACT 3(b'). */
    async omniFlow(tenant: Tenant, callCenter: CallCenter, callId: string, body: Body): Promise<RoutingInstructions> {
      const inputs = jsonObject(body, 'flowInputParameters');
      const call = await find(tenant, callCenter, callId);
      const voiceCall = call.voiceCall as VoiceCall;
      if (voiceCall.endTime !== null || !openBeforeAnswer.has(call.state)) {
        throw new AppError(
          apiError('VOICE_CALL_ENDED', `The call is ${voiceCall.endTime ? 'over' : call.state}; it cannot be routed`),
        );
      }
      if (voiceCall.pendingRouting || routingStates.has(call.state)) {
        throw new AppError(apiError('ROUTING_IN_PROGRESS', 'routing already in progress'));
      }
      const sources = await sourcesFor(tenant, call, body);
      const runInputs = { voiceCallId: call.id, vendorCallKey: voiceCall.vendorCallKey, ...inputs };
      let routed: Interaction | null = null;
      let source: RoutingSource | null = null;
      let current = call;
      for (const candidate of sources) {
        routed = await tryRoute(tenant, current, candidate, runInputs);
        if (routed) {
          source = candidate;
          break;
        }
        // A flow that waited and then failed leaves the call final: nothing further can route it.
        const after = await store.getInteraction(tenant.id, call.id);
        if (!after || !openBeforeAnswer.has(after.state)) break;
        current = after;
      }
      if (!routed || !source) {
        const problems = sources.map((s) => s.flowProblem).filter((p): p is string => p !== null);
        const message =
          sources.length === 0 ? 'No Omni-Channel flow or fallback queue' : 'No flow or fallback queue routed the call';
        throw new AppError(apiError('ROUTING_FAILED', [message, ...problems].join('; ')));
      }
      const result = await instructions(tenant, callCenter, routed);
      if (!result.ok) {
        // The vendor: when the admin does not map the queues, the call fails. It leaves its queue first.
        const latest = (await store.getInteraction(tenant.id, call.id)) ?? routed;
        const failed = routingStates.has(latest.state) ? await deps.router.withdraw(tenant.id, call.id) : latest;
        if (openBeforeAnswer.has(failed.state)) {
          await save(failed, { ...failed, state: 'failed' }, [
            interactionEvent(call.id, 'interaction.failed', clock.now(), { cause: 'not_mapped', reason: result.message }),
          ]);
        }
        throw new AppError(apiError('ROUTING_FAILED', result.message));
      }
      const pendingRouting: PendingRouting = {
        createdAt: clock.now(),
        source: source.label,
        agent: result.value.agent ?? null,
        queue: result.value.queue ?? null,
      };
      // The router may offer (or an agent even accept) the call meanwhile: the record is written on the
      // latest state, and only while the call still waits.
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = await store.getInteraction(tenant.id, call.id);
        if (!current?.voiceCall || !['queued', 'offered'].includes(current.state)) break;
        const voice = { ...current.voiceCall, pendingRouting, enqueueTime: current.voiceCall.enqueueTime ?? current.enqueuedAt };
        const changed = { ...current, voiceCall: voice, revision: current.revision + 1, updatedAt: clock.now() };
        const event = interactionEvent(call.id, 'voice_call.routing_pending', clock.now(), { ...pendingRouting });
        if (await store.saveInteractions([{ interaction: changed, events: [event] }])) {
          deps.committed(changed);
          break;
        }
      }
      return result.value;
    },

    /** PATCH /voiceCalls/{id}/clearRouting: the pending routing record goes; waiting calls leave their queue. Idempotent. */
    async clearRouting(tenant: Tenant, callCenter: CallCenter, callId: string): Promise<void> {
      const call = await find(tenant, callCenter, callId);
      if (routingStates.has(call.state)) {
        await deps.router.withdraw(tenant.id, call.id);
        return;
      }
      if (call.voiceCall?.pendingRouting) {
        await save(call, { ...call, voiceCall: { ...call.voiceCall, pendingRouting: null } }, [
          interactionEvent(call.id, 'interaction.routing_cleared', clock.now(), { fromState: call.state }),
        ]);
      }
    },

    /** Every saved interaction change passes here: omniFlow waits on flows that route later. */
    interactionChanged(interaction: Interaction): void {
      for (const listener of waiters.get(interaction.id) ?? []) listener(interaction);
    },
  };
}

export type TelephonyService = ReturnType<typeof createTelephonyService>;
