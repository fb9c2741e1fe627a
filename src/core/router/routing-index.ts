import type { ChannelType, QueueRouting } from '../model.js';
import { type AgentView, compareWork, escalationStep, hasCapacity, meets, type WorkView } from './agent-selection.js';
import { SortedList } from './sorted-list.js';

/** One offer the router decided: which work goes to which agent, and why. */
export interface OfferDecision {
  workId: string;
  queueId: string;
  agentId: string;
  reason: string;
}

interface QueueIndex {
  routing: QueueRouting;
  /** Waiting work in routing order. */
  waiting: SortedList<WorkView>;
  /** Members who are available and have room for some channel, best first by the queue's selection. */
  free: SortedList<AgentView>;
}

/** At most this many blocked items are looked past per queue and decision round; the rest wait for the next round. */
const maxBlockedScan = 2000;

function rankOf(routing: QueueRouting): (a: AgentView, b: AgentView) => number {
  const skill = routing.proficiencySkill;
  const level = (agent: AgentView) => {
    const value = (agent.attributes.skills as Record<string, unknown> | undefined)?.[skill ?? ''];
    return typeof value === 'number' ? value : -1;
  };
  return (a, b) => {
    if (routing.selection === 'most-proficient' && skill) {
      const byLevel = level(b) - level(a);
      if (byLevel !== 0) return byLevel;
    }
    if (routing.selection === 'round-robin' && a.lastOfferAt !== b.lastOfferAt) return a.lastOfferAt - b.lastOfferAt;
    return a.idleSince - b.idleSince || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  };
}

/**
 * The router's decision structure: per queue, waiting work in routing order and free agents in the
 * order the queue selects them, so a decision looks at the head of both instead of scanning everyone.
 * Pure and synchronous: the engine feeds it what was committed and persists what it decides.
 *
 * Cost of a decision: O(log n) to find positions in the sorted lists, plus the eligibility checks of
 * the candidates looked at — usually the first one; requirements and declines can make it look further.
 */
export class RoutingIndex {
  private readonly queues = new Map<string, QueueIndex>();
  private readonly agents = new Map<string, AgentView>();
  /** Agents by email and employee id, for preferred and target agents named that way. */
  private readonly byRef = new Map<string, string>();
  private readonly work = new Map<string, WorkView>();
  private readonly holdings = new Map<string, { agentId: string; channelType: ChannelType }>();
  private readonly dirty = new Set<string>();
  /** When blocked work should be looked at again (an escalation step starts, a preference expires). */
  private wakeup: number | null = null;

  setQueue(queueId: string, routing: QueueRouting): void {
    const existing = this.queues.get(queueId);
    const index: QueueIndex = {
      routing,
      waiting: existing?.waiting ?? new SortedList(compareWork),
      free: new SortedList(rankOf(routing)),
    };
    this.queues.set(queueId, index);
    for (const agent of this.agents.values()) if (agent.queueIds.has(queueId) && this.isFree(agent)) index.free.insert(agent);
    this.dirty.add(queueId);
  }

  removeQueue(queueId: string): void {
    this.queues.delete(queueId);
    this.dirty.delete(queueId);
  }

  private isFree(agent: AgentView): boolean {
    return (
      agent.presence === 'available' && (Object.keys(agent.capacity) as ChannelType[]).some((type) => hasCapacity(agent, type))
    );
  }

  private unlist(agent: AgentView): void {
    for (const queueId of agent.queueIds) this.queues.get(queueId)?.free.remove(agent);
  }

  private list(agent: AgentView): void {
    if (!this.isFree(agent)) return;
    for (const queueId of agent.queueIds) {
      const queue = this.queues.get(queueId);
      if (!queue) continue;
      queue.free.insert(agent);
      this.dirty.add(queueId);
    }
  }

  /** Adds or replaces an agent (its load is kept: it comes from the holdings). */
  upsertAgent(view: AgentView): void {
    const previous = this.agents.get(view.id);
    if (previous) this.unlist(previous);
    // The index owns its copies: load is changed in place on the decision path.
    const agent: AgentView = { ...view, load: { ...(previous?.load ?? view.load) } };
    this.agents.set(agent.id, agent);
    if (previous) this.forgetRefs(previous);
    this.byRef.set(agent.email, agent.id);
    if (agent.employeeId) this.byRef.set(agent.employeeId, agent.id);
    this.list(agent);
  }

  private forgetRefs(agent: AgentView): void {
    if (this.byRef.get(agent.email) === agent.id) this.byRef.delete(agent.email);
    if (agent.employeeId && this.byRef.get(agent.employeeId) === agent.id) this.byRef.delete(agent.employeeId);
  }

  removeAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (agent) {
      this.unlist(agent);
      this.forgetRefs(agent);
    }
    this.agents.delete(agentId);
  }

  agentIds(): string[] {
    return [...this.agents.keys()];
  }

  agent(agentId: string): AgentView | undefined {
    return this.agents.get(agentId);
  }

  upsertWork(work: WorkView): void {
    this.removeWork(work.id);
    const queue = this.queues.get(work.queueId);
    this.work.set(work.id, work);
    if (!queue) return;
    queue.waiting.insert(work);
    this.dirty.add(work.queueId);
  }

  /** The queue a piece of waiting work is in, if it is waiting. */
  queueOfWork(workId: string): string | undefined {
    return this.work.get(workId)?.queueId;
  }

  removeWork(workId: string): void {
    const work = this.work.get(workId);
    if (!work) return;
    this.work.delete(workId);
    this.queues.get(work.queueId)?.waiting.remove(work);
  }

  /** The interaction is offered to or held by the agent: it counts against the agent's capacity. */
  hold(interactionId: string, agentId: string, channelType: ChannelType): void {
    const current = this.holdings.get(interactionId);
    if (current?.agentId === agentId && current.channelType === channelType) return;
    if (current) this.release(interactionId, null);
    this.holdings.set(interactionId, { agentId, channelType });
    const agent = this.agents.get(agentId);
    if (!agent) return;
    this.unlist(agent);
    agent.load[channelType] = (agent.load[channelType] ?? 0) + 1;
    this.list(agent);
  }

  /** The agent no longer holds it; an agent left with no work is idle from `now`. */
  release(interactionId: string, now: number | null): void {
    const holding = this.holdings.get(interactionId);
    if (!holding) return;
    this.holdings.delete(interactionId);
    const agent = this.agents.get(holding.agentId);
    if (!agent) return;
    this.unlist(agent);
    agent.load[holding.channelType] = Math.max(0, (agent.load[holding.channelType] ?? 0) - 1);
    if (now !== null && Object.values(agent.load).every((n) => n === 0)) agent.idleSince = now;
    this.list(agent);
  }

  /** How many interactions agents hold (offered, connected, wrap-up). */
  get holdingCount(): number {
    return this.holdings.size;
  }

  /** The interactions an agent holds (offered, connected, wrap-up); one pass over all holdings. */
  heldBy(agentId: string): string[] {
    const ids: string[] = [];
    for (const [id, holding] of this.holdings) if (holding.agentId === agentId) ids.push(id);
    return ids;
  }

  holding(interactionId: string): { agentId: string; channelType: ChannelType } | undefined {
    return this.holdings.get(interactionId);
  }

  /** Marks every queue for a full look (e.g. when time has moved past an escalation step). */
  touchAll(): void {
    for (const queueId of this.queues.keys()) this.dirty.add(queueId);
  }

  /** When blocked work should be looked at again, after the last decide(). */
  nextWakeup(): number | null {
    return this.wakeup;
  }

  /**
   * Decides the offers that can be made now, queue by queue, in routing order. Each decision is
   * applied to the index at once (the work leaves the queue, the agent's load grows): the caller
   * persists it, and on failure feeds the index the state that was actually committed.
   */
  decide(now: number): OfferDecision[] {
    const decisions: OfferDecision[] = [];
    let wakeup: number | null = null;
    const queueIds = [...this.dirty];
    this.dirty.clear();
    for (const queueId of queueIds) {
      const queue = this.queues.get(queueId);
      if (!queue) continue;
      let blocked = 0;
      const cursor = queue.waiting.cursor();
      for (let work = cursor.current(); work && blocked < maxBlockedScan; work = cursor.current()) {
        const hasPin = (work.target && now < work.target.until) || (work.preferred && now < work.preferred.until);
        if (queue.free.size === 0 && !hasPin) break;
        const pick = this.pick(work, queue, now);
        if (!pick) {
          blocked++;
          cursor.advance();
          const at = nextChange(work, queue.routing, now);
          if (at !== null && (wakeup === null || at < wakeup)) wakeup = at;
          continue;
        }
        cursor.removeCurrent();
        this.work.delete(work.id);
        this.holdings.set(work.id, { agentId: pick.agentId, channelType: work.channelType });
        const agent = this.agents.get(pick.agentId) as AgentView;
        this.unlist(agent);
        agent.load[work.channelType] = (agent.load[work.channelType] ?? 0) + 1;
        agent.lastOfferAt = now;
        this.list(agent);
        decisions.push({ workId: work.id, queueId, agentId: pick.agentId, reason: pick.reason });
      }
    }
    this.wakeup = wakeup;
    return decisions;
  }

  private findAgent(ref: string): AgentView | undefined {
    const id = this.agents.has(ref) ? ref : (this.byRef.get(ref) ?? this.byRef.get(ref.trim().toLowerCase()));
    return id === undefined ? undefined : this.agents.get(id);
  }

  private pick(work: WorkView, queue: QueueIndex, now: number): { agentId: string; reason: string } | null {
    const free = (agent: AgentView) => agent.presence === 'available' && hasCapacity(agent, work.channelType);
    if (work.target && now < work.target.until) {
      const target = this.findAgent(work.target.agent);
      return target && free(target) ? { agentId: target.id, reason: 'the flow routes it to this agent' } : null;
    }
    if (work.preferred && now < work.preferred.until) {
      const preferred = this.findAgent(work.preferred.agent);
      if (preferred && preferred.presence === 'available') {
        // Busy counts as "wait for them"; offline or away does not hold the work back.
        return free(preferred) && meets(work.requirements, preferred)
          ? { agentId: preferred.id, reason: 'preferred agent' }
          : null;
      }
    }
    const step = escalationStep(queue.routing, now - work.enqueuedAt);
    const why = step.index >= 0 ? `escalation step ${step.index + 1}, ${queue.routing.selection}` : queue.routing.selection;
    let declinedFallback: AgentView | null = null;
    for (const agent of queue.free) {
      if (!hasCapacity(agent, work.channelType)) continue;
      if (!meets(work.requirements, agent) || !meets(step.requirements, agent)) continue;
      if (!work.declinedBy.has(agent.id)) return { agentId: agent.id, reason: why };
      declinedFallback ??= agent;
    }
    return declinedFallback ? { agentId: declinedFallback.id, reason: `${why}; only agents who declined it were left` } : null;
  }

  /** The live counts of a queue. */
  snapshot(queueId: string): {
    waiting: number;
    oldestEnqueuedAt: number | null;
    availableAgents: number;
    staffedAgents: number;
  } {
    const queue = this.queues.get(queueId);
    let oldest: number | null = null;
    for (const work of queue?.waiting ?? []) if (oldest === null || work.enqueuedAt < oldest) oldest = work.enqueuedAt;
    let available = 0;
    let staffed = 0;
    for (const agent of this.agents.values()) {
      if (!agent.queueIds.has(queueId)) continue;
      if (agent.presence !== 'offline') staffed++;
      if (agent.presence === 'available') available++;
    }
    return { waiting: queue?.waiting.size ?? 0, oldestEnqueuedAt: oldest, availableAgents: available, staffedAgents: staffed };
  }

  /**
   * Why waiting work has not been offered yet, in words a supervisor acts on: the agent it waits for,
   * nobody available in the queue, everyone at capacity, nobody with the skills it requires (and when the
   * next escalation step widens that), or — nothing holds it back — the work ahead of it.
   */
  whyWaiting(workId: string, now: number): string {
    const work = this.work.get(workId);
    const queue = work ? this.queues.get(work.queueId) : undefined;
    if (!work || !queue) return 'It is not waiting in a queue.';
    const until = (ms: number) => `for ${Math.max(0, Math.ceil((ms - now) / 1000))} s more`;
    if (work.target && now < work.target.until) {
      const target = this.findAgent(work.target.agent);
      const state = !target ? 'unknown' : target.presence !== 'available' ? target.presence : 'busy';
      return `The flow routes it to ${target?.email ?? work.target.agent} (${state}) ${until(work.target.until)}.`;
    }
    const members = [...this.agents.values()].filter((agent) => agent.queueIds.has(work.queueId));
    const available = members.filter((agent) => agent.presence === 'available');
    if (available.length === 0) {
      return members.length === 0 ? 'No agent is a member of the queue.' : 'No agent of the queue is available.';
    }
    const preferred = work.preferred && now < work.preferred.until ? this.findAgent(work.preferred.agent) : undefined;
    if (preferred?.presence === 'available' && !hasCapacity(preferred, work.channelType) && work.preferred) {
      return `It waits for its preferred agent ${preferred.email}, who is busy, ${until(work.preferred.until)}.`;
    }
    const roomy = available.filter((agent) => hasCapacity(agent, work.channelType));
    if (roomy.length === 0) return `Every available agent of the queue is at capacity for ${work.channelType}.`;
    const step = escalationStep(queue.routing, now - work.enqueuedAt);
    const skilled = roomy.filter((agent) => meets(work.requirements, agent) && meets(step.requirements, agent));
    if (skilled.length === 0) {
      const next = queue.routing.escalation.findIndex(
        (s, index) => index > step.index && s.afterSeconds * 1000 > now - work.enqueuedAt,
      );
      const later = next >= 0 ? (queue.routing.escalation[next]?.afterSeconds ?? 0) * 1000 + work.enqueuedAt : null;
      const widening = later === null ? '' : ` Escalation step ${next + 1} comes in ${Math.ceil((later - now) / 1000)} s.`;
      return `No available agent with room has the skills it requires.${widening}`;
    }
    const ahead = [...queue.waiting].findIndex((item) => item.id === workId);
    return ahead > 0 ? `${ahead} item(s) ahead of it are offered first.` : 'Nothing holds it back: it is offered next.';
  }

  /** Waiting work ids of a queue, in routing order. */
  waitingIn(queueId: string): string[] {
    return [...(this.queues.get(queueId)?.waiting ?? [])].map((work) => work.id);
  }
}

/** When something about this blocked work changes with time: its next escalation step or preference expiry. */
function nextChange(work: WorkView, routing: QueueRouting, now: number): number | null {
  // On the decision path: no intermediate arrays.
  let soonest: number | null = null;
  const consider = (at: number) => {
    if (at > now && (soonest === null || at < soonest)) soonest = at;
  };
  for (const step of routing.escalation) consider(work.enqueuedAt + step.afterSeconds * 1000);
  if (work.preferred) consider(work.preferred.until);
  if (work.target) consider(work.target.until);
  return soonest;
}
