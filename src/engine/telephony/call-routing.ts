import { normalizePhoneNumber, normalizeSipUri } from '../../core/address.js';
import { AppError, apiError } from '../../core/errors.js';
import {
  type CallCenter,
  type Flow,
  type Interaction,
  interactionEvent,
  type PendingRouting,
  type Queue,
  type Tenant,
  type VoiceCall,
} from '../../core/model.js';
import { placeInQueue } from '../../core/placement.js';
import { type Body, jsonObject, optionalText, refuse, requiredText } from './fields.js';
import { openBeforeAnswer, routingStates, type TelephonyContext } from './telephony-context.js';

/** How long omniFlow waits for a flow that is waiting on something (an HTTP step) to route the call. */
const routingWaitMs = 8000;

/** Outcome of an omniFlow request: the provider's ids of the agent and/or queue the call was routed to. */
export interface RoutingInstructions {
  agent?: string;
  queue?: string;
}

/** One rule of the omniFlow precedence that applies to the call. */
interface RoutingSource {
  label: string;
  flow: Flow | null;
  /** Why a named flow could not run (unknown devName, no active version). */
  flowProblem: string | null;
  fallbackQueue: Queue | null;
}

/** Routing calls: omniFlow's precedence of flows and fallback queues, and clearing what it started. */
export function createCallRouting(ctx: TelephonyContext) {
  const { store, clock, deps, find, save } = ctx;
  const waiters = new Map<string, Set<(interaction: Interaction) => void>>();

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
