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
    const why = source.flowProblem ?? (source.flow ? 'the flow failed' : 'no flow');
    return enqueue(
      call,
      source.fallbackQueue,
      'flow-fallback',
      null,
      `${source.label}: ${why}, so its fallback queue ${source.fallbackQueue.devName} takes the call`,
    );
  }

  /** Puts a call that is in no queue into one (to an agent first, for a target), saved. */
  async function enqueue(
    call: Interaction,
    queue: Queue,
    source: 'flow-fallback' | 'telephony',
    targetAgent: { agent: string; expiresAt: string } | null,
    reason: string,
  ): Promise<Interaction> {
    const now = clock.now();
    const placement = placeInQueue(queue, call.unansweredSince ?? call.createdAt, source);
    const queued: Interaction = {
      ...call,
      state: 'queued',
      dispatchError: null,
      queueId: queue.id,
      dueAt: placement.dueAt,
      placement,
      enqueuedAt: now,
      offer: null,
      routing: { stepId: null, requirements: null, preferredAgent: null, targetAgent, maxWaitUntil: null },
    };
    const event = { queueId: placement.queueId, dueAt: placement.dueAt, slaMinutes: placement.slaMinutes, reason };
    return save(call, queued, [
      interactionEvent(call.id, 'interaction.queued', now, targetAgent ? { ...event, targetAgent } : event),
    ]);
  }

  /** An agent or queue by the provider's id for it (a routing map of the call center), or a flow by devName or id. */
  async function routingTarget(tenant: Tenant, callCenter: CallCenter, ref: string) {
    const map = await store.findRoutingMapByExternalId(callCenter.id, ref);
    if (map?.referenceType === 'user') {
      const agent = await store.agents.get(tenant.id, map.referenceId);
      if (agent) return { kind: 'agent' as const, agent };
    }
    if (map?.referenceType === 'queue') {
      const queue = await store.queues.get(tenant.id, map.referenceId);
      if (queue) return { kind: 'queue' as const, queue };
    }
    const name = ref.startsWith('Flow.') ? ref.slice('Flow.'.length) : ref;
    const flow = (await store.findFlowByDevName(tenant.id, name)) ?? (await store.flows.get(tenant.id, name));
    if (flow) return { kind: 'flow' as const, flow };
    throw new AppError(
      apiError(
        'ROUTING_TARGET_NOT_FOUND',
        `routingTarget ${ref} is no agent or queue mapped for call center ${callCenter.apiName}, and no flow`,
      ),
    );
  }

  /** A call the provider has finished with: nothing can route it any more. */
  function over(call: Interaction): boolean {
    const voiceCall = call.voiceCall as VoiceCall;
    return (
      (voiceCall.endTime !== null && !voiceCall.voicemail) ||
      ['wrap_up', 'completed', 'transferred', 'abandoned'].includes(call.state)
    );
  }

  function ended(call: Interaction): AppError {
    const voiceCall = call.voiceCall as VoiceCall;
    return new AppError(
      apiError(
        'VOICE_CALL_ENDED',
        `The call is ${voiceCall.endTime && !voiceCall.voicemail ? 'over' : call.state}; it cannot be routed`,
      ),
    );
  }

  /** Seconds a route to an agent waits for that agent before the queue's other agents may take the call. */
  const agentTargetSeconds = 60;

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
      // A voicemail's end is its recording's: it is routed after it (the provider's voicemail packaging).
      const over = voiceCall.endTime !== null && !voiceCall.voicemail;
      if (over || !openBeforeAnswer.has(call.state)) {
        throw new AppError(apiError('VOICE_CALL_ENDED', `The call is ${over ? 'over' : call.state}; it cannot be routed`));
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

    /**
     * PATCH /voiceCalls/route/{id}: routes the call to an agent, a queue (both by the provider's id
     * in the call center's routing maps) or a flow, with fallbackQueue. A call still waiting leaves its
     * queue first; a connected one is transferred (a new segment, as POST …/transfers makes).
     */
    async route(tenant: Tenant, callCenter: CallCenter, callId: string, body: Body): Promise<void> {
      const ref = requiredText(body, 'routingTarget');
      const inputs = jsonObject(body, 'flowInputParameters');
      const fallbackRef = optionalText(body, 'fallbackQueue');
      let fallbackQueue: Queue | null = null;
      if (fallbackRef) {
        const map = await store.findRoutingMapByExternalId(callCenter.id, fallbackRef);
        fallbackQueue =
          map?.referenceType === 'queue'
            ? await store.queues.get(tenant.id, map.referenceId)
            : await store.findQueue(tenant.id, fallbackRef);
        if (!fallbackQueue)
          throw new AppError(apiError('ROUTING_TARGET_NOT_FOUND', `fallbackQueue ${fallbackRef} is no queue`, 'fallbackQueue'));
      }
      const target = await routingTarget(tenant, callCenter, ref);
      let call = await find(tenant, callCenter, callId);
      if (over(call)) throw ended(call);
      if (call.state === 'connected') {
        if (target.kind === 'flow') {
          throw new AppError(apiError('ROUTING_FAILED', 'A connected call is transferred to an agent or a queue, not to a flow'));
        }
        const queueId = target.kind === 'queue' ? target.queue.id : (fallbackQueue?.id ?? call.queueId);
        await deps.interactions.transfer(tenant, call.id, {
          queueId,
          ...(target.kind === 'agent' ? { agentId: target.agent.id, expiresAfterSeconds: agentTargetSeconds } : {}),
        });
        return;
      }
      const before = call.queueId;
      if (routingStates.has(call.state)) call = await deps.router.withdraw(tenant.id, call.id);
      const label = `routingTarget ${ref}`;
      if (target.kind === 'flow') {
        const source = {
          label,
          flow: target.flow,
          flowProblem: target.flow.activeVersionId ? null : `Flow ${target.flow.devName} has no active version`,
          fallbackQueue,
        };
        const runInputs = { voiceCallId: call.id, vendorCallKey: (call.voiceCall as VoiceCall).vendorCallKey, ...inputs };
        const routed = await tryRoute(tenant, call, source, runInputs);
        if (!routed)
          throw new AppError(
            apiError(
              'ROUTING_FAILED',
              [`${label}: the flow did not route the call`, source.flowProblem].filter(Boolean).join('; '),
            ),
          );
        return;
      }
      if (target.kind === 'queue') {
        await enqueue(
          call,
          target.queue,
          'telephony',
          null,
          `${label}: the provider routes the call to queue ${target.queue.devName}`,
        );
        return;
      }
      const queueId = fallbackQueue?.id ?? before ?? target.agent.queueIds[0];
      const queue = queueId ? await store.queues.get(tenant.id, queueId) : null;
      if (!queue) {
        throw new AppError(apiError('ROUTING_FAILED', `Agent ${target.agent.name} is in no queue; give a fallbackQueue`));
      }
      const expiresAt = new Date(Date.parse(clock.now()) + agentTargetSeconds * 1000).toISOString();
      await enqueue(
        call,
        queue,
        'telephony',
        { agent: target.agent.id, expiresAt },
        `${label}: to agent ${target.agent.name}, in queue ${queue.devName}`,
      );
    },

    /**
     * PATCH /voiceCalls/{id}/reroute: the agent the call went to cannot take it (declined in the
     * provider's softphone, or the provider could not connect them). A connected call goes back to its
     * place in the queue (to someone else first); a call still being routed (a decline over the agent
     * protocol already put it back) stays as it is; a call whose routing failed returns to its queue.
     */
    async reroute(tenant: Tenant, callCenter: CallCenter, callId: string): Promise<void> {
      const call = await find(tenant, callCenter, callId);
      if (over(call)) throw ended(call);
      if (call.state === 'connected') {
        await deps.router.requeue(tenant.id, call.id, null);
        return;
      }
      if (routingStates.has(call.state)) return;
      const queue = call.queueId ? await store.queues.get(tenant.id, call.queueId) : null;
      if (!queue) {
        throw new AppError(apiError('ROUTING_FAILED', 'The call is in no queue to go back to: route it with omniFlow or route'));
      }
      const declinedBy =
        call.agentId && !call.declinedBy.includes(call.agentId) ? [...call.declinedBy, call.agentId] : call.declinedBy;
      await enqueue(
        { ...call, agentId: null, declinedBy },
        queue,
        'telephony',
        null,
        `rerouted after the call's ${call.state} routing`,
      );
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
