import { createHmac, randomBytes } from 'node:crypto';
import { AppError, apiError, notFound } from '../core/errors.js';
import type { PageRequest, Tenant, Webhook } from '../core/model.js';
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

/**
 * Webhook subscriptions and their delivery: each subscription reads the tenant's event feed from its
 * own stored cursor and POSTs one event at a time, in order, signed; a failure is retried with
 * exponential backoff (1 s, 2 s, 4 s… up to 5 min) and blocks the events after it, so order holds.
 * The cursor moves only after a 2xx, so delivery is at least once: receivers deduplicate by event id.
 */
export function createWebhookDispatcher(deps: { store: Store; clock: Clock; newId: IdGenerator; http: HttpClient }) {
  const { store, clock } = deps;
  const running = new Set<string>();
  const again = new Set<string>();
  const timers = new Map<string, () => void>();
  // Tenants with webhooks: a commit of a tenant without any costs nothing.
  const tenantsWithHooks = new Set<string>();
  let stopped = false;

  function backoff(failures: number): number {
    return Math.min(maxBackoffMs, 1000 * 2 ** Math.max(0, failures - 1));
  }

  /** Delivers what is due for one webhook; at most one run per webhook at a time. */
  async function run(tenant: Tenant, webhookId: string): Promise<void> {
    if (running.has(webhookId)) {
      again.add(webhookId);
      return;
    }
    running.add(webhookId);
    try {
      do {
        again.delete(webhookId);
        await deliverDue(tenant, webhookId);
      } while (again.has(webhookId) && !stopped);
    } finally {
      running.delete(webhookId);
    }
  }

  async function deliverDue(tenant: Tenant, webhookId: string): Promise<void> {
    for (;;) {
      const webhook = await store.webhooks.get(tenant.id, webhookId);
      if (!webhook?.active || stopped) return;
      const now = Date.parse(clock.now());
      if (webhook.nextAttemptAt && Date.parse(webhook.nextAttemptAt) > now) return schedule(tenant, webhook);
      const [event] = await store.listEvents(tenant.id, webhook.lastDeliveredSeq, 1, webhook.eventTypes ?? undefined);
      if (!event) return;
      const secret = (await store.webhookSecret(tenant.id, webhook.id)) ?? '';
      const body = JSON.stringify({ id: `${tenant.id}:${event.seq}`, tenantId: tenant.id, ...event });
      const timestamp = Math.floor(now / 1000);
      const outcome = await deps.http({
        method: 'POST',
        url: webhook.url,
        headers: {
          'content-type': 'application/json',
          'switchboard-event-id': `${tenant.id}:${event.seq}`,
          'switchboard-event-type': event.type,
          'switchboard-signature': webhookSignature(secret, timestamp, body),
        },
        body,
        timeoutMs: deliveryTimeoutMs,
        allowPrivateNetwork: tenant.allowPrivateNetworkRequests,
      });
      const ok = outcome.ok && outcome.status >= 200 && outcome.status < 300;
      const fresh = (await store.webhooks.get(tenant.id, webhookId)) ?? webhook;
      const at = clock.now();
      if (ok) {
        await store.webhooks.update({
          ...fresh,
          lastDeliveredSeq: event.seq,
          failures: 0,
          nextAttemptAt: null,
          lastError: null,
          updatedAt: at,
        });
        continue;
      }
      const failures = fresh.failures + 1;
      const error = outcome.ok ? `The receiver answered ${outcome.status}.` : outcome.message;
      const nextAttemptAt = new Date(Date.parse(at) + backoff(failures)).toISOString();
      const failed = { ...fresh, failures, nextAttemptAt, lastError: error, updatedAt: at };
      await store.webhooks.update(failed);
      return schedule(tenant, failed);
    }
  }

  function schedule(tenant: Tenant, webhook: Webhook): void {
    if (!webhook.nextAttemptAt || stopped) return;
    timers.get(webhook.id)?.();
    timers.set(
      webhook.id,
      clock.setTimer(webhook.nextAttemptAt, () => {
        timers.delete(webhook.id);
        void run(tenant, webhook.id).catch(() => undefined);
      }),
    );
  }

  async function kick(tenantId: string): Promise<void> {
    const tenant = await store.getTenant(tenantId);
    if (!tenant) return;
    for (let page: PageRequest = { limit: 200, after: null }; ; ) {
      const batch = await store.webhooks.list(tenantId, page);
      for (const webhook of batch.items) if (webhook.active) void run(tenant, webhook.id).catch(() => undefined);
      if (!batch.nextCursor) return;
      page = { limit: 200, after: batch.nextCursor };
    }
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
      for (const tenantId of await store.tenantsWithWebhooks()) {
        tenantsWithHooks.add(tenantId);
        await kick(tenantId);
      }
    },
    stop(): void {
      stopped = true;
      for (const cancel of timers.values()) cancel();
      timers.clear();
    },
    /** New events were committed for the tenant. */
    eventsCommitted(tenantId: string): void {
      if (tenantsWithHooks.has(tenantId)) void kick(tenantId).catch(() => undefined);
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
      tenantsWithHooks.add(tenant.id);
      void kick(tenant.id);
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
        // Re-enabling retries at once.
        nextAttemptAt: body.active === true ? null : current.nextAttemptAt,
        updatedAt: clock.now(),
      };
      await store.webhooks.update(updated);
      void kick(tenant.id);
      return updated;
    },
    async remove(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.webhooks.remove(tenant.id, id))) throw notFound('webhook');
      timers.get(id)?.();
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
