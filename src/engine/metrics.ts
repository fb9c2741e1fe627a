import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the engine reports as it works; each call is a counter or histogram update (no I/O). */
export interface Metrics {
  interactionCreated(channelType: string): void;
  /** An offer was made, or ended one way or another. */
  offer(outcome: 'created' | 'accepted' | 'rejected' | 'expired' | 'rescinded'): void;
  /** One pass of the router's decisions over a tenant (the pure decision, without the writes). */
  decisionSeconds(seconds: number): void;
  /** One write of the router, from the call to the store until it is durable. */
  commitSeconds(seconds: number): void;
}

/** For engines that report nothing (tests, simulations). */
export const noMetrics: Metrics = {
  interactionCreated: () => undefined,
  offer: () => undefined,
  decisionSeconds: () => undefined,
  commitSeconds: () => undefined,
};

/** What is read at scrape time, from the router's and the webhooks' in-memory state. */
export interface LiveFigures {
  queues: { tenantId: string; queueId: string; waiting: number; oldestWaitSeconds: number }[];
  /** Open routing work by state, over all tenants the router has loaded. */
  states: Record<'queued' | 'offered' | 'connected' | 'wrap_up', number>;
  /** Events each webhook subscription has yet to deliver (an upper bound when it filters by type). */
  webhooks: { tenantId: string; webhookId: string; behind: number }[];
}

/**
 * The Prometheus metrics of one server, in a registry of its own (nothing global): counters and
 * histograms the engine updates as it works, gauges read from live state when scraped, and Node's
 * defaults (event loop lag, heap, GC, CPU).
 */
export function createPrometheusMetrics(): Metrics & {
  registry: Registry;
  /** Where the gauges read their figures; set once the engine exists. */
  readLive(read: () => Promise<LiveFigures>): void;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  const created = new Counter({
    name: 'switchboard_interactions_created_total',
    help: 'Interactions created, by channel type.',
    labelNames: ['channel'],
    registers: [registry],
  });
  const offers = new Counter({
    name: 'switchboard_offers_total',
    help: 'Offers made (created) and how they ended (accepted, rejected, expired, rescinded).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const decisions = new Histogram({
    name: 'switchboard_routing_decision_seconds',
    help: "Time of one pass of the router's decisions over a tenant.",
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
    registers: [registry],
  });
  const commits = new Histogram({
    name: 'switchboard_store_commit_seconds',
    help: 'Time from a router write to the store until it is durable.',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  let read: (() => Promise<LiveFigures>) | null = null;
  // One read per scrape, shared by the gauges below.
  let scrape: Promise<LiveFigures | null> | null = null;
  const live = () => {
    scrape ??= (read ? read() : Promise.resolve(null)).finally(() => {
      setImmediate(() => {
        scrape = null;
      });
    });
    return scrape;
  };
  new Gauge({
    name: 'switchboard_queue_waiting',
    help: 'Interactions waiting in a queue.',
    labelNames: ['tenant', 'queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of (await live())?.queues ?? []) this.set({ tenant: q.tenantId, queue: q.queueId }, q.waiting);
    },
  });
  new Gauge({
    name: 'switchboard_queue_oldest_wait_seconds',
    help: 'How long the longest-waiting interaction of a queue has waited.',
    labelNames: ['tenant', 'queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of (await live())?.queues ?? []) this.set({ tenant: q.tenantId, queue: q.queueId }, q.oldestWaitSeconds);
    },
  });
  new Gauge({
    name: 'switchboard_interactions',
    help: 'Open interactions in routing, by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [state, count] of Object.entries((await live())?.states ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'switchboard_webhook_backlog_events',
    help: 'Events a webhook subscription has yet to deliver.',
    labelNames: ['tenant', 'webhook'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const w of (await live())?.webhooks ?? []) this.set({ tenant: w.tenantId, webhook: w.webhookId }, w.behind);
    },
  });
  return {
    registry,
    readLive: (reader) => {
      read = reader;
    },
    interactionCreated: (channelType) => created.inc({ channel: channelType }),
    offer: (outcome) => offers.inc({ outcome }),
    decisionSeconds: (seconds) => decisions.observe(seconds),
    commitSeconds: (seconds) => commits.observe(seconds),
  };
}
