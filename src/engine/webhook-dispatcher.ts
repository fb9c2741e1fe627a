import { createHmac, randomBytes } from 'node:crypto';
import { AppError, apiError, notFound } from '../core/errors.js';
import type { InteractionEvent, PageRequest, Tenant, Webhook } from '../core/model.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { HttpClient } from './http-client.js';
import type { IdGenerator } from './id-generator.js';

type Body = Record<string, unknown>;

/** The longest pause between two attempts of a failing delivery. */
const maxBackoffMs = 5 * 60 * 1000;
const deliveryTimeoutMs = 10_000;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: what receivers check (docs/webhooks.md). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** The webhook as the API shows it: never the secret. */
export type WebhookView = Webhook;

/** Events per POST unless the subscription says otherwise (maxEventsPerRequest, 1–1000). */
export const defaultMaxEventsPerRequest = 500;
/** A request body stops growing past this; the rest of the events go in the next request. */
const maxBodyBytes = 1024 * 1024;

/**
 * Webhook subscriptions and their delivery: each subscription reads the tenant's event feed from its
 * own stored cursor and POSTs the events in order, several per request (`{"events":[…]}`, up to its
 * maxEventsPerRequest), signed as one; a failure is retried with exponential backoff (1 s, 2 s, 4 s…
 * up to 5 min) and blocks the events after it, so order holds. The cursor moves only after a 2xx, so
 * delivery is at least once: receivers deduplicate by event id. While one request is in flight, the
 * events committed meanwhile wait and leave together in the next: a busy tenant is delivered in
 * batches without waiting for them, a quiet one event at a time, at once.
 */
export function createWebhookDispatcher(deps: { store: Store; clock: Clock; newId: IdGenerator; http: HttpClient }) {
  const { store, clock } = deps;
  const running = new Set<string>();
  const again = new Set<string>();
  const timers = new Map<string, () => void>();
  // The active subscriptions of each tenant (ids): a commit costs a lookup here, nothing for a tenant
  // without any. Kept in step by create, update and remove, rebuilt at start.
  const subscriptions = new Map<string, Set<string>>();
  const secrets = new Map<string, string>();
  let stopped = false;

  function backoff(failures: number): number {
    return Math.min(maxBackoffMs, 1000 * 2 ** Math.max(0, failures - 1));
  }

  function follow(webhook: Webhook): void {
    const ids = subscriptions.get(webhook.tenantId) ?? new Set<string>();
    subscriptions.set(webhook.tenantId, ids);
    if (webhook.active) ids.add(webhook.id);
    else ids.delete(webhook.id);
  }

  /** Delivers what is due for one webhook; at most one run per webhook at a time. */
  async function run(tenantId: string, webhookId: string): Promise<void> {
    if (running.has(webhookId)) {
      again.add(webhookId);
      return;
    }
    running.add(webhookId);
    try {
      do {
        again.delete(webhookId);
        await deliverDue(tenantId, webhookId);
      } while (again.has(webhookId) && !stopped);
    } finally {
      running.delete(webhookId);
    }
  }

  function kick(tenantId: string): void {
    for (const webhookId of subscriptions.get(tenantId) ?? []) void run(tenantId, webhookId).catch(() => undefined);
  }

  /** The request body of a batch: the events in order, as many as fit in maxBodyBytes (at least one). */
  function batchBody(tenantId: string, events: InteractionEvent[]): { body: string; last: InteractionEvent } {
    const parts: string[] = [];
    let size = 0;
    let last = events[0] as InteractionEvent;
    for (const event of events) {
      const part = JSON.stringify({ id: `${tenantId}:${event.seq}`, tenantId, ...event });
      if (parts.length > 0 && size + part.length > maxBodyBytes) break;
      parts.push(part);
      size += part.length + 1;
      last = event;
    }
    return { body: `{"events":[${parts.join(',')}]}`, last };
  }

  /** A subscription's signing secret: set once when it is created, so read once. */
  async function secretOf(webhook: Webhook): Promise<string> {
    let secret = secrets.get(webhook.id);
    if (secret === undefined) {
      secret = (await store.webhookSecret(webhook.tenantId, webhook.id)) ?? '';
      secrets.set(webhook.id, secret);
    }
    return secret;
  }

  function eventsAfter(webhook: Webhook, seq: number): Promise<InteractionEvent[]> {
    const limit = webhook.maxEventsPerRequest ?? defaultMaxEventsPerRequest;
    return store.listEvents(webhook.tenantId, seq, limit, webhook.eventTypes ?? undefined);
  }

  async function deliverDue(tenantId: string, webhookId: string): Promise<void> {
    // The next batch is read while the current one is being sent: the receiver's round trip and the
    // store's read overlap. It is used only if the subscription did not change meanwhile.
    let prefetched: { after: number; version: string; events: Promise<InteractionEvent[]> } | null = null;
    for (;;) {
      const webhook = await store.webhooks.get(tenantId, webhookId);
      if (!webhook?.active || stopped) return;
      const now = Date.parse(clock.now());
      if (webhook.nextAttemptAt && Date.parse(webhook.nextAttemptAt) > now) return schedule(webhook);
      const events =
        prefetched && prefetched.after === webhook.lastDeliveredSeq && prefetched.version === webhook.updatedAt
          ? await prefetched.events
          : await eventsAfter(webhook, webhook.lastDeliveredSeq);
      prefetched = null;
      if (events.length === 0) return;
      const tenant = await store.getTenant(tenantId);
      if (!tenant) return;
      const { body, last } = batchBody(tenantId, events);
      const timestamp = Math.floor(now / 1000);
      const sent = deps.http({
        method: 'POST',
        url: webhook.url,
        headers: {
          'content-type': 'application/json',
          // The first and last event of the batch, for logs; deduplicate by each event's id.
          'switchboard-delivery': `${tenantId}:${events[0]?.seq}-${last.seq}`,
          'switchboard-signature': webhookSignature(await secretOf(webhook), timestamp, body),
        },
        body,
        timeoutMs: deliveryTimeoutMs,
        allowPrivateNetwork: tenant.allowPrivateNetworkRequests,
      });
      const next = eventsAfter(webhook, last.seq);
      next.catch(() => undefined);
      const outcome = await sent;
      const ok = outcome.ok && outcome.status >= 200 && outcome.status < 300;
      const fresh = (await store.webhooks.get(tenantId, webhookId)) ?? webhook;
      const at = clock.now();
      if (ok) {
        const delivered = {
          ...fresh,
          lastDeliveredSeq: last.seq,
          failures: 0,
          nextAttemptAt: null,
          lastError: null,
          updatedAt: at,
        };
        await store.webhooks.update(delivered);
        prefetched = { after: last.seq, version: at, events: next };
        continue;
      }
      const failures = fresh.failures + 1;
      const error = outcome.ok ? `The receiver answered ${outcome.status}.` : outcome.message;
      const nextAttemptAt = new Date(Date.parse(at) + backoff(failures)).toISOString();
      const failed = { ...fresh, failures, nextAttemptAt, lastError: error, updatedAt: at };
      await store.webhooks.update(failed);
      return schedule(failed);
    }
  }

  /** Follows a tenant's subscriptions and delivers what they have pending. */
  async function startTenant(tenantId: string): Promise<void> {
    for (let page: PageRequest = { limit: 200, after: null }; ; ) {
      const batch = await store.webhooks.list(tenantId, page);
      for (const webhook of batch.items) follow(webhook);
      if (!batch.nextCursor) break;
      page = { limit: 200, after: batch.nextCursor };
    }
    kick(tenantId);
  }

  function schedule(webhook: Webhook): void {
    if (!webhook.nextAttemptAt || stopped) return;
    timers.get(webhook.id)?.();
    timers.set(
      webhook.id,
      clock.setTimer(webhook.nextAttemptAt, () => {
        timers.delete(webhook.id);
        void run(webhook.tenantId, webhook.id).catch(() => undefined);
      }),
    );
  }

  function checkUrl(value: unknown): string {
    if (typeof value !== 'string' || !/^https?:\/\/[^\s]+$/i.test(value)) {
      throw new AppError(apiError('INVALID_URL', 'url must be an http or https URL.', 'url'));
    }
    return value;
  }

  return {
    /** Delivers what is pending for every tenant with webhooks (at start, after a restart). */
    async start(): Promise<void> {
      for (const tenantId of await store.tenantsWithWebhooks()) await startTenant(tenantId);
    },
    startTenant,
    /** Stops delivering a tenant's events (a cluster moved the tenant: its new owner delivers them). */
    stopTenant(tenantId: string): void {
      for (const webhookId of subscriptions.get(tenantId) ?? []) {
        timers.get(webhookId)?.();
        timers.delete(webhookId);
      }
      subscriptions.delete(tenantId);
    },
    stop(): void {
      stopped = true;
      for (const cancel of timers.values()) cancel();
      timers.clear();
    },
    /** Events each active subscription has yet to deliver, for the metrics. */
    async backlog(): Promise<{ tenantId: string; webhookId: string; behind: number }[]> {
      const figures: { tenantId: string; webhookId: string; behind: number }[] = [];
      for (const [tenantId, ids] of subscriptions) {
        if (ids.size === 0) continue;
        const latest = await store.latestEventSeq(tenantId);
        for (const webhookId of ids) {
          const webhook = await store.webhooks.get(tenantId, webhookId);
          if (webhook) figures.push({ tenantId, webhookId, behind: Math.max(0, latest - webhook.lastDeliveredSeq) });
        }
      }
      return figures;
    },
    /** New events were committed for the tenant. */
    eventsCommitted(tenantId: string): void {
      kick(tenantId);
    },

    async create(tenant: Tenant, body: Body): Promise<{ webhook: WebhookView; secret: string }> {
      const url = checkUrl(body.url);
      const now = clock.now();
      // A new subscription starts with the events to come, unless it asks to replay from a cursor.
      const latest = await store.latestEventSeq(tenant.id);
      const webhook: Webhook = {
        id: deps.newId(),
        tenantId: tenant.id,
        url,
        eventTypes: Array.isArray(body.eventTypes) && body.eventTypes.length > 0 ? (body.eventTypes as string[]) : null,
        active: body.active !== false,
        maxEventsPerRequest: typeof body.maxEventsPerRequest === 'number' ? body.maxEventsPerRequest : defaultMaxEventsPerRequest,
        lastDeliveredSeq: typeof body.afterSeq === 'number' ? body.afterSeq : latest,
        failures: 0,
        nextAttemptAt: null,
        lastError: null,
        createdAt: now,
        updatedAt: now,
      };
      const secret =
        typeof body.secret === 'string' && body.secret.length >= 16
          ? body.secret
          : `whsec_${randomBytes(24).toString('base64url')}`;
      await store.createWebhook(webhook, secret);
      follow(webhook);
      kick(tenant.id);
      return { webhook, secret };
    },
    async get(tenant: Tenant, id: string): Promise<WebhookView> {
      const webhook = await store.webhooks.get(tenant.id, id);
      if (!webhook) throw notFound('webhook');
      return webhook;
    },
    list: (tenant: Tenant, page: PageRequest) => store.webhooks.list(tenant.id, page),
    async update(tenant: Tenant, id: string, body: Body): Promise<WebhookView> {
      const current = await store.webhooks.get(tenant.id, id);
      if (!current) throw notFound('webhook');
      const updated: Webhook = {
        ...current,
        url: body.url === undefined ? current.url : checkUrl(body.url),
        eventTypes:
          body.eventTypes === undefined
            ? current.eventTypes
            : (body.eventTypes as string[] | null)?.length
              ? (body.eventTypes as string[])
              : null,
        active: typeof body.active === 'boolean' ? body.active : current.active,
        maxEventsPerRequest:
          typeof body.maxEventsPerRequest === 'number' ? body.maxEventsPerRequest : current.maxEventsPerRequest,
        // Re-enabling retries at once.
        nextAttemptAt: body.active === true ? null : current.nextAttemptAt,
        updatedAt: clock.now(),
      };
      await store.webhooks.update(updated);
      follow(updated);
      kick(tenant.id);
      return updated;
    },
    async remove(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.webhooks.remove(tenant.id, id))) throw notFound('webhook');
      subscriptions.get(tenant.id)?.delete(id);
      secrets.delete(id);
      timers.get(id)?.();
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
