import { ExpressionError, evaluateExpression } from '../flow/expressions.js';
import type { AgentSelection, ChannelType, PresenceStatus, QueueRouting } from '../model.js';

/**
 * Which agent gets an offer: pure functions over the router's view of agents and waiting work.
 * The engine keeps these views in memory and calls in here for every decision.
 */

/** What the router knows about an agent. */
export interface AgentView {
  id: string;
  email: string;
  employeeId: string | null;
  presence: PresenceStatus;
  capacity: Record<ChannelType, number>;
  voiceBlocksOtherWork: boolean;
  /** Interactions offered to or held by the agent, by channel type. */
  load: Record<ChannelType, number>;
  queueIds: ReadonlySet<string>;
  attributes: Record<string, unknown>;
  /** Since when the agent has had no work (ms); ranks longest-idle. */
  idleSince: number;
  /** When the agent was last offered work (ms); ranks round-robin. */
  lastOfferAt: number;
}

/** What the router knows about a piece of waiting work. */
export interface WorkView {
  id: string;
  queueId: string;
  channelType: ChannelType;
  priority: number;
  dueAt: number;
  enqueuedAt: number;
  /** The flow's requirements (CEL over `agent`), if any. */
  requirements: string | null;
  /** Preferred agent (last-agent routing) until `until`; an id, email or employee id. */
  preferred: { agent: string; until: number } | null;
  /** The only agent to offer it to (routeToAgent) until `until`. */
  target: { agent: string; until: number } | null;
  declinedBy: ReadonlySet<string>;
}

/** Routing order: higher priority first, then the earlier due date, then the earlier enqueue time. */
export function compareWork(a: WorkView, b: WorkView): number {
  return b.priority - a.priority || a.dueAt - b.dueAt || a.enqueuedAt - b.enqueuedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Whether the agent has room for one more interaction of this channel type. */
export function hasCapacity(agent: AgentView, channelType: ChannelType): boolean {
  if ((agent.load[channelType] ?? 0) >= (agent.capacity[channelType] ?? 0)) return false;
  if (agent.voiceBlocksOtherWork) {
    // A call in progress keeps other work away, and other work in progress keeps calls away.
    const total = Object.values(agent.load).reduce((sum, n) => sum + n, 0);
    if (channelType !== 'voice' && (agent.load.voice ?? 0) > 0) return false;
    if (channelType === 'voice' && total > 0) return false;
  }
  return true;
}

/** Whether a reference (id, email or employee id) names the agent. */
export function namesAgent(ref: string, agent: AgentView): boolean {
  return ref === agent.id || ref.trim().toLowerCase() === agent.email || (agent.employeeId !== null && ref === agent.employeeId);
}

/** The escalation step in force after the work has waited `waitedMs`. */
export function escalationStep(routing: QueueRouting, waitedMs: number): { index: number; requirements: string | null } {
  let current = { index: -1, requirements: null as string | null };
  routing.escalation.forEach((step, index) => {
    if (step.afterSeconds * 1000 <= waitedMs) current = { index, requirements: step.requirements };
  });
  return current;
}

function meets(requirements: string | null, agent: AgentView): boolean {
  if (requirements === null) return true;
  try {
    return (
      evaluateExpression(requirements, { agent: { id: agent.id, email: agent.email, attributes: agent.attributes } }, 'agent') ===
      true
    );
  } catch (error) {
    // A requirement that cannot be evaluated for this agent (a missing skill) does not match.
    if (error instanceof ExpressionError) return false;
    throw error;
  }
}

function rank(selection: AgentSelection, skill: string | null) {
  return (a: AgentView, b: AgentView): number => {
    if (selection === 'most-proficient' && skill) {
      const level = (agent: AgentView) => {
        const skills = agent.attributes.skills as Record<string, unknown> | undefined;
        const value = skills?.[skill];
        return typeof value === 'number' ? value : -1;
      };
      const byLevel = level(b) - level(a);
      if (byLevel !== 0) return byLevel;
    }
    if (selection === 'round-robin') return a.lastOfferAt - b.lastOfferAt || a.idleSince - b.idleSince || (a.id < b.id ? -1 : 1);
    return a.idleSince - b.idleSince || (a.id < b.id ? -1 : 1);
  };
}

export type Pick = { agentId: string; reason: string } | { agentId: null; reason: string };

/**
 * The agent to offer this work to now, or null (and why). Rules, in order:
 * 1. routeToAgent: only the target agent until its expiry (the flow then moves on).
 * 2. Preferred agent (last-agent routing): only that agent until the expiry while it is available
 *    — busy counts, offline or away does not (then the work falls back at once).
 * 3. Otherwise queue members who are available, have capacity for the channel and meet the flow's
 *    requirements and the escalation step in force, ranked by the queue's selection. Agents who
 *    declined the work come last: offered again only when nobody else can take it.
 */
export function pickAgent(work: WorkView, routing: QueueRouting, members: readonly AgentView[], now: number): Pick {
  const free = (agent: AgentView) => agent.presence === 'available' && hasCapacity(agent, work.channelType);
  if (work.target && now < work.target.until) {
    const target = members.find((agent) => namesAgent(work.target?.agent ?? '', agent));
    if (target && free(target)) return { agentId: target.id, reason: 'the flow routes it to this agent' };
    return { agentId: null, reason: 'waiting for the target agent' };
  }
  if (work.preferred && now < work.preferred.until) {
    const preferred = members.find((agent) => namesAgent(work.preferred?.agent ?? '', agent));
    if (preferred && preferred.presence === 'available') {
      if (free(preferred) && meets(work.requirements, preferred)) return { agentId: preferred.id, reason: 'preferred agent' };
      return { agentId: null, reason: 'waiting for the preferred agent' };
    }
  }
  const step = escalationStep(routing, now - work.enqueuedAt);
  const eligible = members.filter(
    (agent) =>
      agent.queueIds.has(work.queueId) && free(agent) && meets(work.requirements, agent) && meets(step.requirements, agent),
  );
  if (eligible.length === 0) return { agentId: null, reason: 'no eligible agent is available' };
  const fresh = eligible.filter((agent) => !work.declinedBy.has(agent.id));
  const pool = fresh.length > 0 ? fresh : eligible;
  const best = [...pool].sort(rank(routing.selection, routing.proficiencySkill))[0];
  if (!best) return { agentId: null, reason: 'no eligible agent is available' };
  const why = step.index >= 0 ? `escalation step ${step.index + 1}, ${routing.selection}` : routing.selection;
  return { agentId: best.id, reason: fresh.length > 0 ? why : `${why}; only agents who declined it were left` };
}

/** When the next escalation step starts for this work, if one is still to come (ms). */
export function nextEscalationAt(work: WorkView, routing: QueueRouting, now: number): number | null {
  const times = [
    ...routing.escalation.map((step) => work.enqueuedAt + step.afterSeconds * 1000),
    ...(work.preferred ? [work.preferred.until] : []),
  ].filter((at) => at > now);
  return times.length > 0 ? Math.min(...times) : null;
}
