import { ExpressionError, evaluateConverted, toCel } from '../flow/expressions.js';
import type { ChannelType, PresenceStatus, QueueRouting } from '../model.js';

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
    if (channelType !== 'voice') return (agent.load.voice ?? 0) === 0;
    for (const type in agent.load) if ((agent.load[type as ChannelType] ?? 0) > 0) return false;
  }
  return true;
}

/** The escalation step in force after the work has waited `waitedMs`. */
const noStep = { index: -1, requirements: null };

export function escalationStep(routing: QueueRouting, waitedMs: number): { index: number; requirements: string | null } {
  let current: { index: number; requirements: string | null } = noStep;
  for (let index = 0; index < routing.escalation.length; index++) {
    const step = routing.escalation[index];
    if (step && step.afterSeconds * 1000 <= waitedMs) current = { index, requirements: step.requirements };
  }
  return current;
}

// Each agent is converted for CEL once, not once per requirement evaluated against it.
const celAgents = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

/** Whether the agent meets a requirement (CEL over `agent`); null requires nothing. */
export function meets(requirements: string | null, agent: AgentView): boolean {
  if (requirements === null) return true;
  let context = celAgents.get(agent.attributes);
  if (!context) {
    context = toCel({ agent: { id: agent.id, email: agent.email, attributes: agent.attributes } }) as Record<string, unknown>;
    celAgents.set(agent.attributes, context);
  }
  try {
    return evaluateConverted(requirements, context, 'agent') === true;
  } catch (error) {
    // A requirement that cannot be evaluated for this agent (a missing skill) does not match.
    if (error instanceof ExpressionError) return false;
    throw error;
  }
}
