/**
 * Routing decisions per second and decision latency of the routing index (src/core/router), next to a
 * naive router that scans every agent for every decision, on the same data in the same run.
 *
 * Each decision: one busy agent becomes free (its interaction ends) and the router offers that agent
 * the best waiting work it can take — the steady state of a busy contact center.
 */
import { performance } from 'node:perf_hooks';
import { type ChannelType, defaultAgentCapacity, defaultQueueRouting, type QueueRouting } from '../src/core/model.js';
import {
  type AgentView,
  compareWork,
  escalationStep,
  hasCapacity,
  meets,
  type WorkView,
} from '../src/core/router/agent-selection.js';
import { RoutingIndex } from '../src/core/router/routing-index.js';
import { fmt, percentile, printTable, type Row } from './report.js';

const queueIds = ['sales', 'support', 'billing', 'vip', 'spanish'];
const skillNames = ['billing', 'spanish', 'tech'];

/** A deterministic pseudo-random sequence (the same mix every run). */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

function makeAgents(count: number): AgentView[] {
  const next = random(7);
  return Array.from({ length: count }, (_, i) => {
    const queues = new Set([queueIds[i % queueIds.length] as string]);
    if (next() < 0.5) queues.add(queueIds[(i + 1) % queueIds.length] as string);
    const skills = Object.fromEntries(skillNames.map((skill) => [skill, Math.floor(next() * 5) + 1]));
    return {
      id: `agent-${i}`,
      email: `agent-${i}@example.com`,
      employeeId: null,
      presence: 'available',
      capacity: { ...defaultAgentCapacity },
      voiceBlocksOtherWork: true,
      load: { voice: 1, sms: 0, email: 0, messaging: 0, 'work-item': 0 },
      queueIds: queues,
      attributes: { skills },
      idleSince: i,
      lastOfferAt: 0,
    } satisfies AgentView;
  });
}

function makeWork(count: number): WorkView[] {
  const next = random(11);
  return Array.from({ length: count }, (_, i) => ({
    id: `work-${i}`,
    queueId: queueIds[i % queueIds.length] as string,
    channelType: 'voice' as ChannelType,
    priority: next() < 0.1 ? 5 : 0,
    dueAt: 1_000_000 + Math.floor(next() * 3_600_000),
    enqueuedAt: i,
    // A fifth of the work needs a skill level.
    requirements: next() < 0.2 ? `agent.attributes.skills.${skillNames[i % skillNames.length]} >= 3` : null,
    preferred: null,
    target: null,
    declinedBy: new Set<string>(),
  }));
}

const routing: QueueRouting = { ...defaultQueueRouting, escalation: [] };

/** The naive router: for a freed agent, scan all waiting work in order and every agent for the best one. */
class NaiveRouter {
  private readonly waiting: WorkView[];
  constructor(
    private readonly agents: AgentView[],
    work: WorkView[],
  ) {
    this.waiting = [...work].sort(compareWork);
  }
  free(agent: AgentView): void {
    agent.load = { ...agent.load, voice: 0 };
  }
  decide(now: number): { workId: string; agentId: string } | null {
    for (let i = 0; i < this.waiting.length; i++) {
      const work = this.waiting[i] as WorkView;
      const step = escalationStep(routing, now - work.enqueuedAt);
      let best: AgentView | null = null;
      for (const agent of this.agents) {
        if (agent.presence !== 'available' || !agent.queueIds.has(work.queueId) || !hasCapacity(agent, work.channelType))
          continue;
        if (!meets(work.requirements, agent) || !meets(step.requirements, agent)) continue;
        if (!best || agent.idleSince < best.idleSince) best = agent;
      }
      if (best) {
        this.waiting.splice(i, 1);
        best.load = { ...best.load, voice: 1 };
        return { workId: work.id, agentId: best.id };
      }
    }
    return null;
  }
}

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  decisions: number;
}

function measure(
  freeOne: (i: number) => void,
  decide: (now: number) => number,
  budgetMs: number,
  maxDecisions: number,
): Measured {
  const latencies: number[] = [];
  const started = performance.now();
  let decisions = 0;
  for (let i = 0; decisions < maxDecisions && performance.now() - started < budgetMs; i++) {
    freeOne(i);
    const t0 = performance.now();
    const made = decide(2_000_000 + i);
    latencies.push(performance.now() - t0);
    decisions += made;
  }
  const elapsed = latencies.reduce((a, b) => a + b, 0);
  latencies.sort((a, b) => a - b);
  return {
    perSecond: decisions / (elapsed / 1000),
    p50: percentile(latencies, 50) * 1000,
    p99: percentile(latencies, 99) * 1000,
    decisions,
  };
}

export function runRoutingDecisions(
  sizes: [number, number][] = [
    [1_000, 10_000],
    [10_000, 10_000],
    [10_000, 100_000],
    [100_000, 100_000],
  ],
): Row[] {
  const rows: Row[] = [];
  for (const [agentCount, workCount] of sizes) {
    // Switchboard: the routing index. Every agent is busy; each round frees one and decides.
    const agents = makeAgents(agentCount);
    const work = makeWork(workCount);
    const index = new RoutingIndex();
    for (const queueId of queueIds) index.setQueue(queueId, routing);
    for (const agent of agents) index.upsertAgent({ ...agent, load: { ...agent.load, voice: 0 } });
    agents.forEach((agent, i) => {
      index.hold(`busy-${i}`, agent.id, 'voice');
    });
    for (const item of work) index.upsertWork(item);
    index.decide(0);
    const held = new Map<string, string>(agents.map((agent, i) => [agent.id, `busy-${i}`]));
    let lastHeld = '';
    const ours = measure(
      (i) => {
        const agent = agents[(i * 7919) % agentCount] as AgentView;
        lastHeld = held.get(agent.id) as string;
        index.release(lastHeld, i);
      },
      (now) => {
        const decisions = index.decide(now);
        for (const decision of decisions) held.set(decision.agentId, decision.workId);
        return decisions.length;
      },
      1500,
      Math.min(workCount, 200_000),
    );
    // Baseline: the naive router on a fresh copy of the same data.
    const naiveAgents = makeAgents(agentCount);
    const naive = new NaiveRouter(naiveAgents, makeWork(workCount));
    const theirs = measure(
      (i) => naive.free(naiveAgents[(i * 7919) % agentCount] as AgentView),
      (now) => (naive.decide(now) ? 1 : 0),
      1500,
      Math.min(workCount, 200_000),
    );
    const size = `${fmt(agentCount)} agents, ${fmt(workCount)} waiting`;
    rows.push(
      {
        name: 'decisions/s',
        size,
        value: fmt(ours.perSecond),
        baseline: `${fmt(theirs.perSecond)} (naive scan)`,
        ratio: `${fmt(ours.perSecond / theirs.perSecond, 1)}×`,
      },
      {
        name: 'decision p50 / p99 (µs)',
        size,
        value: `${fmt(ours.p50, 1)} / ${fmt(ours.p99, 1)}`,
        baseline: `${fmt(theirs.p50, 1)} / ${fmt(theirs.p99, 1)}`,
        ratio: '',
      },
    );
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`)
  printTable('Routing decisions (bench/routing-decisions.ts)', runRoutingDecisions());
