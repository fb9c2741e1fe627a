import type { FastifyInstance } from 'fastify';
import type { EmailTransport } from '../../src/engine/email/email-delivery.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { createUuidV7Generator } from '../../src/engine/id-generator.js';
import { createPrometheusMetrics } from '../../src/engine/metrics.js';
import { buildApp } from '../../src/http/app.js';
import { callExportFormats, messagingProviders, protocolAdapters, voiceProviders } from '../../src/main.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { createSimulatedClock, type SimulatedClock } from './simulated-clock.js';

export const adminToken = 'sba_test-admin-token';

export interface Response {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
  body: any;
  headers: Record<string, unknown>;
}

export interface Harness {
  app: FastifyInstance;
  engine: Engine;
  clock: SimulatedClock;
  store: Store;
  /** Sends a request through the real Fastify app (routing, schemas, hooks, serialisation). */
  call(
    method: string,
    url: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Listens on a loopback port (for WebSocket clients) and returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A fresh app over a real SQLite store (in memory unless a file is given) and a simulated clock. */
export async function startHarness(
  options: { store?: Store; clock?: SimulatedClock; email?: EmailTransport } = {},
): Promise<Harness> {
  const store = options.store ?? (await createSqliteStore({ filename: ':memory:' }));
  const clock = options.clock ?? createSimulatedClock();
  const metrics = createPrometheusMetrics();
  const engine = createEngine({
    store,
    clock,
    newId: createUuidV7Generator(),
    adminToken,
    metrics,
    messagingProviders,
    callExportFormats,
    voiceProviders,
    email: options.email ?? null,
  });
  metrics.readLive(() => engine.liveFigures());
  await engine.start();
  const app = await buildApp({ engine, adapters: protocolAdapters, metrics: metrics.registry });
  const call: Harness['call'] = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? adminToken : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({ method: method as 'GET', url, headers, payload });
    const text = response.body;
    return { status: response.statusCode, body: text ? JSON.parse(text) : null, headers: response.headers };
  };
  return {
    app,
    engine,
    clock,
    store,
    call,
    listen: () => app.listen({ port: 0, host: '127.0.0.1' }),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** Creates a tenant with the admin token and returns its id and base path. */
export async function createTenant(h: Harness, fields: Record<string, unknown> = {}): Promise<{ id: string; base: string }> {
  const response = await h.call('POST', '/v1/tenants', { body: { name: 'Acme', defaultCountry: 'US', ...fields } });
  if (response.status !== 201) throw new Error(`tenant: ${JSON.stringify(response.body)}`);
  return { id: response.body.result.id, base: `/v1/tenants/${response.body.result.id}` };
}

/** POSTs and expects 201; returns `result`. */
// biome-ignore lint/suspicious/noExplicitAny: as above.
export async function make(h: Harness, url: string, body: unknown, token?: string): Promise<any> {
  const response = await h.call('POST', url, { body, token });
  if (response.status !== 201) throw new Error(`POST ${url} → ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.result;
}

/** A one-step flow that queues the interaction where its entry point sends it (seed 002 rules). */
export const routeByEntryPoint = { start: 'route', steps: [{ id: 'route', type: 'routeToQueue' }] };

/**
 * A queue that calls reach: a voice channel whose entry point is +18005555565, a one-step flow that
 * routes to the queue (with `flowStep` merged into that step), and a catch-all inbound mapping.
 */
export async function routedVoiceQueue(
  h: Harness,
  base: string,
  queueFields: Record<string, unknown>,
  flowStep: Record<string, unknown> = {},
): Promise<{ queue: { id: string }; phones: { id: string } }> {
  const queue = await make(h, `${base}/queues`, { name: 'Support', ...queueFields });
  const phones = await make(h, `${base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: queue.id });
  await make(h, `${base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  const flow = await make(h, `${base}/flows`, {
    name: 'Route',
    definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue', ...flowStep }] },
  });
  await make(h, `${base}/dispatch-mappings`, { name: 'all', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  return { queue, phones };
}
