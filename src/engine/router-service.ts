import { AppError, apiError, notFound } from '../core/errors.js';
import {
  type Agent,
  type Interaction,
  type InteractionEvent,
  interactionEvent,
  maxConnectedMinutesOf,
  type Presence,
  type Queue,
  type StoredTimer,
} from '../core/model.js';
import type { InteractionChange, Store, TimerChanges } from '../store/store.js';
import type { AgentHub } from './agent-hub.js';
import type { Clock } from './clock.js';
import { type FlowRunner, offerTimerId } from './flow-runner.js';
import type { IdGenerator } from './id-generator.js';
import { type LiveFigures, type Metrics, noMetrics } from './metrics.js';
import { createRouterViews, holdingStates, type TenantView } from './router-views.js';

type NewEvent = Omit<InteractionEvent, 'seq'>;

export interface RouterDeps {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  flows: FlowRunner;
  hub: AgentHub;
  onTimers(changes: TimerChanges): void;
  /** Called after the router commits events for a tenant (webhooks deliver them). */
  onEvents(tenantId: string): void;
  /** Called after an agent's accept is committed (a live call's provider rings the agent at once). */
  onAccepted?(interaction: Interaction): void;
  metrics?: Metrics;
}

const wrapUpTimerId = (interactionId: string) => `${interactionId}:wrap-up`;

/**
 * The router: offers queued work to agents. Its view of agents, queues and waiting work lives in
 * memory (rebuilt from the store when a tenant is first touched, and after a restart), every change
 * of it goes through one queue per tenant so decisions never race, and every decision is committed —
 * with its timer — before the agent hears of it.
 */
export function createRouter(deps: RouterDeps) {
  const { store, clock } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const locks = new Map<string, Promise<unknown>>();

  /** Runs fn after everything queued before it for the tenant (one decision at a time). */
  function serialized<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(tenantId) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    locks.set(
      tenantId,
      next.catch(() => undefined),
    );
    return next;
  }

  const { viewOf, views, track, agentView, connectedDeadline } = createRouterViews({
    store,
    clock,
    hub: deps.hub,
    onHeldTooLong: (tenantId, interactionId) => void router.heldTooLong(tenantId, interactionId).catch(() => undefined),
  });

  function summary(interaction: Interaction) {
    return {
      id: interaction.id,
      state: interaction.state,
      channelType: interaction.channelType,
      medium: interaction.medium,
      direction: interaction.direction,
      customer: interaction.customer,
      contactPoint: interaction.contactPoint,
      source: interaction.source,
      queueId: interaction.queueId,
      priority: interaction.priority,
      dueAt: interaction.dueAt,
      attributes: interaction.attributes,
      agentId: interaction.agentId,
      offer: interaction.offer,
      // A callback: the number to call and the attempts so far.
      ...(interaction.callback ? { callback: interaction.callback } : {}),
    };
  }

  /**
   * Saves a change of routed work, with changes of other interactions made with it (none mostly): their
   * timers and notifications are for whoever made them, once this returns true.
   */
  async function save(change: InteractionChange, companions: InteractionChange[] = []): Promise<boolean> {
    const started = performance.now();
    const saved = await store.saveInteractions([change, ...companions]);
    metrics.commitSeconds((performance.now() - started) / 1000);
    if (!saved) return false;
    deps.onTimers(change.timers ?? { set: [], cancel: [] });
    deps.onEvents(change.interaction.tenantId);
    return true;
  }

  /** Offers waiting work to free agents, queue by queue, in routing order. */
  async function assign(view: TenantView): Promise<void> {
    const now = Date.parse(clock.now());
    const started = performance.now();
    const decisions = view.index.decide(now);
    metrics.decisionSeconds((performance.now() - started) / 1000);
    for (const decision of decisions) {
      const queue = view.queues.get(decision.queueId);
      if (queue) await offer(view, queue, decision.workId, decision.agentId, decision.reason);
    }
    // Work that waits for an escalation step or a preference to expire is looked at again then.
    const soonest = view.index.nextWakeup();
    view.wakeup?.();
    view.wakeup =
      soonest === null
        ? null
        : clock.setTimer(new Date(soonest).toISOString(), () => {
            void serialized(view.tenant.id, async () => {
              view.index.touchAll();
              await assign(view);
            });
          });
  }

  async function offer(view: TenantView, queue: Queue, interactionId: string, agentId: string, reason: string): Promise<void> {
    const interaction = await store.getInteraction(view.tenant.id, interactionId);
    if (interaction?.state !== 'queued') {
      // The decision was made on a stale view: undo it by mirroring what is actually stored.
      view.index.release(interactionId, null);
      if (interaction) track(view, interaction);
      else view.index.removeWork(interactionId);
      return;
    }
    const now = clock.now();
    const offerId = deps.newId();
    const expiresAt = new Date(Date.parse(now) + queue.routing.offerTimeoutSeconds * 1000).toISOString();
    // The routing step's path entry records who was offered the work (a new entry: stored documents are shared).
    const flowRun = interaction.flowRun;
    const path = flowRun?.path ?? [];
    let at = -1;
    for (let i = path.length - 1; i >= 0 && at < 0; i--) {
      if (path[i]?.stepId === interaction.routing?.stepId && path[i]?.leftAt === null) at = i;
    }
    const entry = path[at];
    const timer: StoredTimer = {
      id: offerTimerId(interaction.id, offerId),
      tenantId: view.tenant.id,
      interactionId,
      kind: 'offer',
      dueAt: expiresAt,
    };
    const offered: Interaction = {
      ...interaction,
      ...(flowRun && entry
        ? { flowRun: { ...flowRun, path: path.with(at, { ...entry, agentsOffered: [...(entry.agentsOffered ?? []), agentId] }) } }
        : {}),
      state: 'offered',
      offer: { id: offerId, agentId, offeredAt: now, expiresAt },
      revision: interaction.revision + 1,
      updatedAt: now,
    };
    const events = [interactionEvent(interactionId, 'offer.created', now, { offerId, agentId, expiresAt, reason })];
    if (!(await save({ interaction: offered, events, timers: { set: [timer], cancel: [] } }))) {
      view.index.release(interactionId, null);
      const fresh = await store.getInteraction(view.tenant.id, interactionId);
      if (fresh) track(view, fresh);
      return;
    }
    track(view, offered);
    metrics.offer('created');
    deps.hub.publish(view.tenant.id, agentId, { type: 'offer', offer: offered.offer, interaction: summary(offered) });
  }

  /**
   * Work leaves routing before anyone answered it: the customer left (`abandoned`, final) or its
   * routing was cleared (`withdrawn`: back to `dispatched`). An open offer is rescinded.
   */
  function leaveRouting(tenantId: string, interactionId: string, how: 'abandoned' | 'withdrawn'): Promise<Interaction> {
    return serialized(tenantId, async () => {
      const view = await viewOf(tenantId);
      const interaction = await loadFor(tenantId, interactionId);
      const from =
        how === 'abandoned' ? ['undispatched', 'dispatched', 'in_flow', 'queued', 'offered'] : ['in_flow', 'queued', 'offered'];
      if (!from.includes(interaction.state)) {
        const what = how === 'abandoned' ? 'abandoned' : 'taken out of routing';
        throw new AppError(apiError('INTERACTION_CLOSED', `A ${interaction.state} interaction cannot be ${what}.`));
      }
      const now = clock.now();
      const cancel: string[] = [];
      if (interaction.offer) cancel.push(offerTimerId(interaction.id, interaction.offer.id));
      const waitTimer = interaction.flowRun?.waiting?.timerId;
      if (waitTimer) cancel.push(waitTimer);
      const flowRun = interaction.flowRun?.waiting
        ? { ...interaction.flowRun, status: 'completed' as const, waiting: null, outcome: { kind: 'abandoned' as const } }
        : interaction.flowRun;
      const voiceCall = interaction.voiceCall ? { ...interaction.voiceCall, pendingRouting: null } : interaction.voiceCall;
      const changed: Interaction =
        how === 'abandoned'
          ? {
              ...interaction,
              state: 'abandoned',
              offer: null,
              flowRun,
              voiceCall,
              revision: interaction.revision + 1,
              updatedAt: now,
            }
          : {
              ...interaction,
              state: 'dispatched',
              queueId: null,
              dueAt: null,
              enqueuedAt: null,
              routing: null,
              offer: null,
              flowRun,
              voiceCall,
              revision: interaction.revision + 1,
              updatedAt: now,
            };
      const data = { fromState: interaction.state, queueId: interaction.queueId, enqueuedAt: interaction.enqueuedAt };
      const type = how === 'abandoned' ? 'interaction.abandoned' : 'interaction.routing_cleared';
      if (
        !(await save({
          interaction: changed,
          events: [interactionEvent(interactionId, type, now, data)],
          timers: { set: [], cancel },
        }))
      ) {
        throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed meanwhile; retry.'));
      }
      const rescinded = track(view, changed);
      if (interaction.offer) {
        deps.hub.publish(tenantId, interaction.offer.agentId, {
          type: 'offer.rescinded',
          offerId: interaction.offer.id,
          interactionId,
        });
      } else if (rescinded) {
        deps.hub.publish(tenantId, rescinded, { type: 'offer.rescinded', interactionId });
      }
      await assign(view);
      return changed;
    });
  }

  /** Re-runs assignment for a tenant (after any change that can free an agent or add work). */
  function forget(tenantId: string): void {
    const view = views.get(tenantId);
    views.delete(tenantId);
    void view?.then(
      (v) => {
        v.wakeup?.();
        v.connected.stop();
      },
      () => undefined,
    );
  }

  function kick(tenantId: string): Promise<void> {
    return serialized(tenantId, async () => assign(await viewOf(tenantId)));
  }

  /** Loads an interaction that an agent acts on, checking it is theirs. */
  async function loadFor(tenantId: string, interactionId: string): Promise<Interaction> {
    const interaction = await store.getInteraction(tenantId, interactionId);
    if (!interaction) throw notFound('interaction');
    return interaction;
  }

  function conflict(message: string): AppError {
    return new AppError(apiError('OFFER_NOT_OPEN', message));
  }

  /**
   * Puts offered work back in its queue at the same position (its enqueue time and due date do not
   * change). `declined` marks the agent so the work goes to someone else first.
   */
  async function requeue(
    view: TenantView,
    interaction: Interaction,
    eventType: 'offer.rejected' | 'offer.expired' | 'offer.rescinded',
    declined: boolean,
    firedTimer: string | null,
  ): Promise<Interaction | null> {
    const offer = interaction.offer;
    if (interaction.state !== 'offered' || !offer) return null;
    const now = clock.now();
    const changed: Interaction = {
      ...interaction,
      state: 'queued',
      offer: null,
      declinedBy:
        declined && !interaction.declinedBy.includes(offer.agentId)
          ? [...interaction.declinedBy, offer.agentId]
          : interaction.declinedBy,
      revision: interaction.revision + 1,
      updatedAt: now,
    };
    const timerId = offerTimerId(interaction.id, offer.id);
    const events: NewEvent[] = [interactionEvent(interaction.id, eventType, now, { offerId: offer.id, agentId: offer.agentId })];
    if (!(await save({ interaction: changed, events, timers: { set: [], cancel: firedTimer ? [firedTimer] : [timerId] } })))
      return null;
    track(view, changed);
    metrics.offer(eventType === 'offer.rejected' ? 'rejected' : eventType === 'offer.expired' ? 'expired' : 'rescinded');
    deps.hub.publish(view.tenant.id, offer.agentId, { type: eventType, offerId: offer.id, interactionId: interaction.id });
    return changed;
  }

  async function setPresenceIn(view: TenantView, agentId: string, presence: Presence): Promise<Agent> {
    // Read fresh: configuration changes may have been written since the view last saw this agent.
    const current = await store.agents.get(view.tenant.id, agentId);
    if (!current) throw notFound('agent');
    const agent: Agent = { ...current, presence, updatedAt: presence.since };
    if (!(await store.agents.update(agent))) throw notFound('agent');
    const previous = view.index.agent(agentId);
    const next = agentView(agent, previous);
    if (presence.status === 'available' && previous?.presence !== 'available' && Object.values(next.load).every((n) => n === 0)) {
      next.idleSince = Date.parse(presence.since);
    }
    view.index.upsertAgent(next);
    deps.hub.publish(view.tenant.id, agentId, { type: 'presence', presence });
    for (const queueId of agent.queueIds) deps.hub.queueChanged(view.tenant.id, queueId);
    if (presence.status !== 'available') {
      // Nobody is offered work while offline or away: open offers go back to the queue.
      for (const [interactionId, open] of [...view.offers]) {
        if (open.agentId !== agentId) continue;
        const interaction = await store.getInteraction(view.tenant.id, interactionId);
        if (interaction) await requeue(view, interaction, 'offer.rescinded', false, null);
      }
    }
    return agent;
  }

  const router = {
    /** Builds the views of every tenant with open work and assigns it (at start, after a restart). */
    async start(): Promise<void> {
      for (let after: string | null = null; ; ) {
        const page = await store.listTenants({ limit: 200, after });
        for (const tenant of page.items) await kick(tenant.id);
        if (!page.nextCursor) break;
        after = page.nextCursor;
      }
    },

    /** This node took the tenant (a cluster): its view is built afresh from the store and its waiting work assigned. */
    startTenant(tenantId: string): Promise<void> {
      forget(tenantId);
      return kick(tenantId);
    },

    /** This node gave the tenant up: its view is dropped (built again from the store if it comes back). */
    stopTenant(tenantId: string): void {
      forget(tenantId);
    },

    stop(): void {
      for (const view of views.values()) {
        void view.then((v) => {
          v.wakeup?.();
          v.connected.stop();
        });
      }
    },

    /** Follows a committed interaction change and assigns what can be assigned. */
    interactionChanged(interaction: Interaction): Promise<void> {
      return serialized(interaction.tenantId, async () => {
        const view = await viewOf(interaction.tenantId);
        const rescinded = track(view, interaction);
        if (rescinded) {
          deps.hub.publish(interaction.tenantId, rescinded, { type: 'offer.rescinded', interactionId: interaction.id });
        }
        await assign(view);
      });
    },

    /** Follows a changed agent or queue configuration. */
    agentChanged(agent: Agent): Promise<void> {
      return serialized(agent.tenantId, async () => {
        const view = await viewOf(agent.tenantId);
        view.index.upsertAgent(agentView(agent, view.index.agent(agent.id)));
        await assign(view);
      });
    },
    agentRemoved(tenantId: string, agentId: string): Promise<void> {
      return serialized(tenantId, async () => {
        (await viewOf(tenantId)).index.removeAgent(agentId);
      });
    },
    queueChanged(queue: Queue): Promise<void> {
      return serialized(queue.tenantId, async () => {
        const view = await viewOf(queue.tenantId);
        view.queues.set(queue.id, queue);
        view.index.setQueue(queue.id, queue.routing);
        await assign(view);
      });
    },
    queueRemoved(tenantId: string, queueId: string): Promise<void> {
      return serialized(tenantId, async () => {
        const view = await viewOf(tenantId);
        view.queues.delete(queueId);
        view.index.removeQueue(queueId);
      });
    },

    setPresence(tenantId: string, agentId: string, status: Presence['status'], reason: string | null): Promise<Agent> {
      return serialized(tenantId, async () => {
        const view = await viewOf(tenantId);
        const agent = await setPresenceIn(view, agentId, {
          status,
          reason: status === 'away' ? reason : null,
          since: clock.now(),
        });
        await assign(view);
        return agent;
      });
    },

    /** The agent takes the offer: the interaction is connected and its flow run is done. */
    accept(tenantId: string, interactionId: string, agentId: string): Promise<Interaction> {
      return serialized(tenantId, async () => {
        const view = await viewOf(tenantId);
        const interaction = await loadFor(tenantId, interactionId);
        if (interaction.state !== 'offered' || interaction.offer?.agentId !== agentId) {
          throw conflict('There is no open offer of this interaction to this agent.');
        }
        const now = clock.now();
        const offer = interaction.offer;
        const run = await deps.flows.prepare(view.tenant, interaction, { type: 'routing.connected' });
        const base = run?.change.interaction ?? interaction;
        const connected: Interaction = {
          ...base,
          state: 'connected',
          agentId,
          offer: null,
          connectedAt: now,
          // Answered: the telephony API's pending routing record is done with.
          ...(base.voiceCall
            ? { voiceCall: { ...base.voiceCall, pendingRouting: null, acceptTime: base.voiceCall.acceptTime ?? now } }
            : {}),
          // Answered: a later transfer's SLA runs from the next unanswered contact.
          unansweredSince: null,
          revision: interaction.revision + 1,
          updatedAt: now,
        };
        const timers: TimerChanges = {
          set: run?.change.timers?.set ?? [],
          cancel: [...(run?.change.timers?.cancel ?? []), offerTimerId(interaction.id, offer.id)],
        };
        const events: NewEvent[] = [
          interactionEvent(interactionId, 'offer.accepted', now, {
            offerId: offer.id,
            agentId,
            // What queue statistics need: the queue, when the wait began and when it was due.
            queueId: interaction.queueId,
            enqueuedAt: interaction.enqueuedAt,
            dueAt: interaction.dueAt,
          }),
          ...(run?.change.events ?? []),
          interactionEvent(interactionId, 'interaction.connected', now, { agentId }),
        ];
        if (!(await save({ interaction: connected, events, timers }))) {
          throw new AppError(
            apiError('CONCURRENT_MODIFICATION', 'The interaction changed while the offer was being accepted; retry.'),
          );
        }
        track(view, connected);
        metrics.offer('accepted');
        deps.onAccepted?.(connected);
        return connected;
      });
    },

    /** The agent declines: the work goes back to its place in the queue, to someone else first. */
    reject(tenantId: string, interactionId: string, agentId: string): Promise<Interaction> {
      return serialized(tenantId, async () => {
        const view = await viewOf(tenantId);
        const interaction = await loadFor(tenantId, interactionId);
        if (interaction.state !== 'offered' || interaction.offer?.agentId !== agentId) {
          throw conflict('There is no open offer of this interaction to this agent.');
        }
        const requeued = await requeue(view, interaction, 'offer.rejected', true, null);
        if (!requeued) throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed meanwhile; retry.'));
        await assign(view);
        return requeued;
      });
    },

    /** An offer's timer fired: the same as a rejection, and the agent may become away (not_responding). */
    offerExpired(timer: StoredTimer): Promise<void> {
      return serialized(timer.tenantId, async () => {
        const view = await viewOf(timer.tenantId);
        const interaction = await store.getInteraction(timer.tenantId, timer.interactionId);
        const offer = interaction?.offer;
        if (!interaction || !offer || offerTimerId(interaction.id, offer.id) !== timer.id) {
          await dropTimer(timer);
          return;
        }
        await requeue(view, interaction, 'offer.expired', true, timer.id);
        const queue = interaction.queueId ? view.queues.get(interaction.queueId) : undefined;
        if (queue?.routing.awayOnOfferTimeout) {
          await setPresenceIn(view, offer.agentId, { status: 'away', reason: 'not_responding', since: clock.now() });
        }
        await assign(view);
      });
    },

    /**
     * The conversation ended (by the agent or the customer): wrap-up starts. `also` is what the caller
     * records with the end: fields of the interaction, events before the end's, and changes of other
     * interactions (an outbound call's callback), all in the same transaction.
     */
    end(
      tenantId: string,
      interactionId: string,
      by: 'agent' | 'customer',
      agentId: string | null,
      also?: { patch: Partial<Interaction>; events: NewEvent[]; companions: InteractionChange[] },
    ): Promise<Interaction> {
      return serialized(tenantId, async () => {
        const view = await viewOf(tenantId);
        const loaded = await loadFor(tenantId, interactionId);
        if (loaded.state !== 'connected')
          throw new AppError(apiError('INTERACTION_NOT_CONNECTED', 'Only a connected interaction can end.'));
        if (agentId && loaded.agentId !== agentId)
          throw new AppError(apiError('FORBIDDEN', 'The interaction is held by another agent.'));
        const extra = also ?? { patch: {}, events: [], companions: [] };
        const ended = interactionEvent(interactionId, 'interaction.ended', clock.now(), { by });
        return endConversation(view, { ...loaded, ...extra.patch }, [...extra.events, ended], extra.companions);
      });
    },

    /**
     * Connected work held past its queue's maxConnectedMinutes: nobody reported the end of the
     * conversation (a desktop that crashed, a lost hang-up), so the router ends it — wrap-up, then
     * completed — and the agent's capacity is free again. Reported with `interaction.held_too_long`.
     */
    heldTooLong(tenantId: string, interactionId: string): Promise<Interaction | null> {
      return serialized(tenantId, async () => {
        const view = await viewOf(tenantId);
        const interaction = await store.getInteraction(tenantId, interactionId);
        // It may have ended, or been accepted again, since the deadline was set.
        if (interaction?.state !== 'connected') return null;
        const deadline = connectedDeadline(view, interaction);
        const now = clock.now();
        if (deadline > Date.parse(now)) {
          view.connected.track(interactionId, deadline);
          return null;
        }
        const routing = interaction.queueId ? view.queues.get(interaction.queueId)?.routing : undefined;
        return endConversation(view, interaction, [
          interactionEvent(interactionId, 'interaction.held_too_long', now, {
            agentId: interaction.agentId,
            connectedAt: interaction.connectedAt ?? null,
            maxConnectedMinutes: maxConnectedMinutesOf(routing),
          }),
          interactionEvent(interactionId, 'interaction.ended', now, { by: 'system' }),
        ]);
      });
    },

    /** What the metrics read when scraped: each loaded tenant's queues and open work by state. */
    async liveFigures(): Promise<Pick<LiveFigures, 'queues' | 'states'>> {
      const now = Date.parse(clock.now());
      const figures: Pick<LiveFigures, 'queues' | 'states'> = {
        queues: [],
        states: { queued: 0, offered: 0, connected: 0, wrap_up: 0 },
      };
      for (const pending of views.values()) {
        const view = await pending.catch(() => null);
        if (!view) continue;
        for (const queueId of view.queues.keys()) {
          const { waiting, oldestEnqueuedAt } = view.index.snapshot(queueId);
          const oldestWaitSeconds = oldestEnqueuedAt === null ? 0 : Math.max(0, (now - oldestEnqueuedAt) / 1000);
          figures.queues.push({ tenantId: view.tenant.id, queueId, waiting, oldestWaitSeconds });
          figures.states.queued += waiting;
        }
        figures.states.offered += view.offers.size;
        figures.states.connected += view.connected.size;
        figures.states.wrap_up += view.index.holdingCount - view.offers.size - view.connected.size;
      }
      return figures;
    },

    /** Why each of a queue's waiting items (the first 100, in routing order) has not been offered yet. */
    async whyWaiting(tenantId: string, queueId: string): Promise<{ interactionId: string; why: string }[]> {
      const view = await viewOf(tenantId);
      const now = Date.parse(clock.now());
      return view.index
        .waitingIn(queueId)
        .slice(0, 100)
        .map((interactionId) => ({ interactionId, why: view.index.whyWaiting(interactionId, now) }));
    },

    /** Each agent's presence and how much work they hold now (offered, connected, wrap-up). */
    async agentStates(tenantId: string): Promise<Map<string, { presence: string; holding: number }>> {
      const view = await viewOf(tenantId);
      const states = new Map<string, { presence: string; holding: number }>();
      for (const agentId of view.index.agentIds()) {
        const agent = view.index.agent(agentId);
        if (agent) states.set(agentId, { presence: agent.presence, holding: view.index.heldBy(agentId).length });
      }
      return states;
    },

    /** The interactions an agent holds: offered to them, connected, or in wrap-up. */
    async heldBy(tenantId: string, agentId: string): Promise<Interaction[]> {
      const view = await viewOf(tenantId);
      const interactions = await Promise.all(view.index.heldBy(agentId).map((id) => store.getInteraction(tenantId, id)));
      return interactions.filter(
        (i): i is Interaction => !!i && holdingStates.has(i.state) && (i.offer?.agentId ?? i.agentId) === agentId,
      );
    },

    /** Wrap-up is over (the agent says so, or its timer fires): the interaction completes and the agent is free. */
    complete(
      tenantId: string,
      interactionId: string,
      agentId: string | null,
      firedTimer: string | null,
      /** What the agent records of the conversation: its outcome and their notes. */
      wrapUp: { disposition: string | null; notes: string | null } | null = null,
    ): Promise<Interaction> {
      return serialized(tenantId, async () => {
        const view = await viewOf(tenantId);
        const interaction = await loadFor(tenantId, interactionId);
        if (interaction.state !== 'wrap_up') {
          if (firedTimer) {
            await dropTimer({ id: firedTimer });
            return interaction;
          }
          throw new AppError(apiError('INTERACTION_NOT_IN_WRAP_UP', 'Only an interaction in wrap-up can be completed.'));
        }
        if (agentId && interaction.agentId !== agentId)
          throw new AppError(apiError('FORBIDDEN', 'The interaction is held by another agent.'));
        const now = clock.now();
        const recorded =
          wrapUp && (wrapUp.disposition || wrapUp.notes) ? { ...wrapUp, agentId: interaction.agentId, at: now } : null;
        const changed: Interaction = {
          ...interaction,
          state: 'completed',
          ...(recorded ? { wrapUp: recorded } : {}),
          revision: interaction.revision + 1,
          updatedAt: now,
        };
        const events = [
          interactionEvent(interactionId, 'interaction.completed', now, {
            cause: firedTimer ? 'wrap_up_timeout' : 'wrap_up_done',
            ...(recorded ? { disposition: recorded.disposition, notes: recorded.notes } : {}),
          }),
        ];
        if (
          !(await save({
            interaction: changed,
            events,
            timers: { set: [], cancel: [firedTimer ?? wrapUpTimerId(interactionId)] },
          }))
        ) {
          throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed meanwhile; retry.'));
        }
        track(view, changed);
        await assign(view);
        return changed;
      });
    },

    /**
     * The agent hands connected work back to its queue (they cannot help after all): it waits again
     * at its original place, and goes to someone else first.
     */
    requeue(tenantId: string, interactionId: string, agentId: string | null): Promise<Interaction> {
      return serialized(tenantId, async () => {
        const view = await viewOf(tenantId);
        const interaction = await loadFor(tenantId, interactionId);
        if (interaction.state !== 'connected' || !interaction.queueId) {
          throw new AppError(apiError('INTERACTION_NOT_CONNECTED', 'Only a connected interaction in a queue can be requeued.'));
        }
        if (agentId && interaction.agentId !== agentId)
          throw new AppError(apiError('FORBIDDEN', 'The interaction is held by another agent.'));
        const now = clock.now();
        const previous = interaction.agentId;
        const changed: Interaction = {
          ...interaction,
          state: 'queued',
          agentId: null,
          declinedBy:
            previous && !interaction.declinedBy.includes(previous)
              ? [...interaction.declinedBy, previous]
              : interaction.declinedBy,
          revision: interaction.revision + 1,
          updatedAt: now,
        };
        const events = [
          interactionEvent(interactionId, 'interaction.requeued', now, { agentId: previous, queueId: interaction.queueId }),
        ];
        if (!(await save({ interaction: changed, events }))) {
          throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed meanwhile; retry.'));
        }
        track(view, changed);
        await assign(view);
        return changed;
      });
    },

    /** The customer left before anyone answered. */
    abandon(tenantId: string, interactionId: string): Promise<Interaction> {
      return leaveRouting(tenantId, interactionId, 'abandoned');
    },
    /**
     * Takes waiting work out of routing without ending it (the telephony API's clearRouting): it is
     * `dispatched` again, with no queue, until something routes it anew.
     */
    withdraw(tenantId: string, interactionId: string): Promise<Interaction> {
      return leaveRouting(tenantId, interactionId, 'withdrawn');
    },

    summary,

    /** The live part of a queue's statistics, from the router's view. */
    async queueSnapshot(tenantId: string, queueId: string) {
      const view = await viewOf(tenantId);
      const live = view.index.snapshot(queueId);
      const interactions = await store.listInteractionsInStates(tenantId, ['offered', 'connected', 'wrap_up']);
      const inQueue = interactions.filter((interaction) => interaction.queueId === queueId);
      return {
        ...live,
        offered: inQueue.filter((i) => i.state === 'offered').length,
        connected: inQueue.filter((i) => i.state === 'connected').length,
        wrapUp: inQueue.filter((i) => i.state === 'wrap_up').length,
      };
    },
  };
  return router;

  /** The conversation is over: wrap-up for the queue's wrapUpSeconds, or completed at once. Runs serialized. */
  async function endConversation(
    view: TenantView,
    interaction: Interaction,
    events: NewEvent[],
    companions: InteractionChange[] = [],
  ): Promise<Interaction> {
    const { tenantId } = interaction;
    const interactionId = interaction.id;
    const now = clock.now();
    const queue = interaction.queueId ? view.queues.get(interaction.queueId) : undefined;
    const wrapUpSeconds = queue?.routing.wrapUpSeconds ?? 0;
    let changed: Interaction;
    const timers: TimerChanges = { set: [], cancel: [] };
    if (wrapUpSeconds > 0) {
      const wrapUpUntil = new Date(Date.parse(now) + wrapUpSeconds * 1000).toISOString();
      changed = { ...interaction, state: 'wrap_up', wrapUpUntil, revision: interaction.revision + 1, updatedAt: now };
      timers.set.push({ id: wrapUpTimerId(interactionId), tenantId, interactionId, kind: 'wrap-up', dueAt: wrapUpUntil });
      events.push(interactionEvent(interactionId, 'interaction.wrap_up', now, { until: wrapUpUntil }));
    } else {
      changed = { ...interaction, state: 'completed', revision: interaction.revision + 1, updatedAt: now };
      events.push(interactionEvent(interactionId, 'interaction.completed', now, { cause: 'ended' }));
    }
    if (!(await save({ interaction: changed, events, timers }, companions))) {
      throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed meanwhile; retry.'));
    }
    track(view, changed);
    await assign(view);
    return changed;
  }

  async function dropTimer(timer: { id: string }): Promise<void> {
    deps.onTimers({ set: [], cancel: [timer.id] });
    await store.deleteTimers([timer.id]);
  }
}

export type Router = ReturnType<typeof createRouter>;
