import { notFound } from '../core/errors.js';
import {
  type Agent,
  type ChannelType,
  channelTypes,
  type Interaction,
  maxConnectedMinutesOf,
  type Queue,
  type Tenant,
} from '../core/model.js';
import type { AgentView, WorkView } from '../core/router/agent-selection.js';
import { RoutingIndex } from '../core/router/routing-index.js';
import type { ResourceTable, Store } from '../store/store.js';
import type { AgentHub } from './agent-hub.js';
import type { Clock } from './clock.js';
import { ConnectedDeadlines } from './connected-deadlines.js';

/** The router's in-memory view of one tenant, rebuilt from the store and kept in step with commits. */
export interface TenantView {
  tenant: Tenant;
  index: RoutingIndex;
  queues: Map<string, Queue>;
  /** Open offers by interaction: who was offered it (to tell them when it goes away). */
  offers: Map<string, { agentId: string; offerId: string }>;
  wakeup: (() => void) | null;
  /** When each connected interaction has been held too long. */
  connected: ConnectedDeadlines;
}

/** States in which an agent holds the interaction (its capacity counts it). */
export const holdingStates = new Set(['offered', 'connected', 'wrap_up']);
const zeroLoad = (): Record<ChannelType, number> =>
  Object.fromEntries(channelTypes.map((t) => [t, 0])) as Record<ChannelType, number>;

/**
 * The router's views of tenants: each built from the store when the tenant is first touched (and
 * after a restart), then kept in step with every committed change through `track`. The router
 * (router-service.ts) decides over them.
 */
export function createRouterViews(deps: {
  store: Store;
  clock: Clock;
  hub: AgentHub;
  /** A connected interaction's deadline passed (the router ends it if it still holds). */
  onHeldTooLong(tenantId: string, interactionId: string): void;
}) {
  const { store, clock } = deps;
  const views = new Map<string, Promise<TenantView>>();

  async function all<T extends { id: string; tenantId: string }>(table: ResourceTable<T>, tenantId: string): Promise<T[]> {
    const items: T[] = [];
    for (let after: string | null = null; ; ) {
      const page = await table.list(tenantId, { limit: 200, after });
      items.push(...page.items);
      if (!page.nextCursor) return items;
      after = page.nextCursor;
    }
  }

  function agentView(agent: Agent, previous?: AgentView): AgentView {
    // Load comes from the index's holdings; idle and offer times carry over.
    return {
      id: agent.id,
      email: agent.email,
      employeeId: agent.employeeId,
      presence: agent.presence.status,
      capacity: agent.capacity,
      voiceBlocksOtherWork: agent.voiceBlocksOtherWork,
      load: previous?.load ?? zeroLoad(),
      queueIds: new Set(agent.queueIds),
      attributes: agent.attributes,
      idleSince: previous?.idleSince ?? Date.parse(agent.presence.since),
      lastOfferAt: previous?.lastOfferAt ?? 0,
    };
  }

  function workView(interaction: Interaction): WorkView {
    const routing = interaction.routing;
    return {
      id: interaction.id,
      queueId: interaction.queueId as string,
      channelType: interaction.channelType,
      priority: interaction.priority,
      dueAt: Date.parse(interaction.dueAt ?? interaction.createdAt),
      enqueuedAt: Date.parse(interaction.enqueuedAt ?? interaction.createdAt),
      requirements: routing?.requirements ?? null,
      preferred: routing?.preferredAgent
        ? { agent: routing.preferredAgent.agent, until: Date.parse(routing.preferredAgent.expiresAt) }
        : null,
      target: routing?.targetAgent
        ? { agent: routing.targetAgent.agent, until: Date.parse(routing.targetAgent.expiresAt) }
        : null,
      declinedBy: new Set(interaction.declinedBy),
    };
  }

  async function load(tenantId: string): Promise<TenantView> {
    const tenant = await store.getTenant(tenantId);
    if (!tenant) throw notFound('tenant');
    const view: TenantView = {
      tenant,
      index: new RoutingIndex(),
      queues: new Map(),
      offers: new Map(),
      wakeup: null,
      connected: new ConnectedDeadlines(clock, (ids) => {
        for (const id of ids) deps.onHeldTooLong(tenantId, id);
      }),
    };
    for (const queue of await all(store.queues, tenantId)) {
      view.queues.set(queue.id, queue);
      view.index.setQueue(queue.id, queue.routing);
    }
    for (const agent of await all(store.agents, tenantId)) view.index.upsertAgent(agentView(agent));
    for (const interaction of await store.listInteractionsInStates(tenantId, ['queued', 'offered', 'connected', 'wrap_up'])) {
      track(view, interaction);
    }
    return view;
  }

  function viewOf(tenantId: string): Promise<TenantView> {
    let view = views.get(tenantId);
    if (!view) {
      view = load(tenantId);
      views.set(tenantId, view);
      view.catch(() => views.delete(tenantId));
    }
    return view;
  }

  /** Mirrors one committed interaction in the view; returns the agent whose offer just went away. */
  function track(view: TenantView, interaction: Interaction): string | null {
    const before = view.offers.get(interaction.id);
    for (const queueId of new Set([view.index.queueOfWork(interaction.id), interaction.queueId])) {
      if (queueId) deps.hub.queueChanged(view.tenant.id, queueId);
    }
    if (interaction.state === 'queued' && interaction.queueId) view.index.upsertWork(workView(interaction));
    else view.index.removeWork(interaction.id);
    const agentId = holdingStates.has(interaction.state) ? (interaction.offer?.agentId ?? interaction.agentId) : null;
    if (agentId) view.index.hold(interaction.id, agentId, interaction.channelType);
    else view.index.release(interaction.id, Date.parse(clock.now()));
    if (interaction.state === 'offered' && interaction.offer) {
      view.offers.set(interaction.id, { agentId: interaction.offer.agentId, offerId: interaction.offer.id });
    } else view.offers.delete(interaction.id);
    view.connected.track(interaction.id, interaction.state === 'connected' ? connectedDeadline(view, interaction) : null);
    // The offer went away without the agent taking it (abandoned, left the queue, transferred…).
    const rescinded = before && interaction.offer?.id !== before.offerId && interaction.agentId !== before.agentId;
    return rescinded ? before.agentId : null;
  }

  /** When connected work has been held too long: from its acceptance (or last change, if stored before that was kept). */
  function connectedDeadline(view: TenantView, interaction: Interaction): number {
    const since = Date.parse(interaction.connectedAt ?? interaction.updatedAt);
    const routing = interaction.queueId ? view.queues.get(interaction.queueId)?.routing : undefined;
    return since + maxConnectedMinutesOf(routing) * 60_000;
  }

  return { viewOf, views, track, agentView, connectedDeadline };
}
