import type { Interaction } from '../core/model.js';
import type { Store } from '../store/store.js';
import { createAccessControl } from './access-control.js';
import { createAccounts } from './accounts/accounts.js';
import { createAgentHub } from './agent-hub.js';
import { createCallCenterService } from './call-center-service.js';
import { createAgentCalls } from './callbacks/agent-calls.js';
import { createCallbackService } from './callbacks/callback-service.js';
import type { Clock } from './clock.js';
import { createConfigurationService } from './configuration-service.js';
import { createContactService } from './contact-service.js';
import { createConversations } from './conversations.js';
import { createEmailDelivery, type EmailTransport } from './email/email-delivery.js';
import { createCallExports } from './exports/call-exports.js';
import type { CallExportFormat } from './exports/export-format.js';
import { exportingStore } from './exports/exporting-store.js';
import { signedHttpFormat } from './exports/signed-http-format.js';
import { createFlowRunner } from './flow-runner.js';
import { type HttpClient, nodeHttpClient } from './http-client.js';
import type { IdGenerator } from './id-generator.js';
import { createInteractionService } from './interaction-service.js';
import { createInviteToChat } from './invitations/invite-to-chat.js';
import { createStandardResponses } from './invitations/standard-responses.js';
import { createChannelProviders } from './messaging/channel-providers.js';
import type { MessagingProvider } from './messaging/messaging-provider.js';
import { createMessagingService } from './messaging/messaging-service.js';
import { type LiveFigures, type Metrics, noMetrics } from './metrics.js';
import { createOutboxDispatcher } from './outbox/outbox-dispatcher.js';
import { createQueueSeries, createQueueStats } from './queue-stats.js';
import { createRouter } from './router-service.js';
import { createTelephonyService } from './telephony/telephony-service.js';
import { createTimerService } from './timer-service.js';
import { createLiveCalls } from './voice/live-calls.js';
import { createOutboundCallDelivery } from './voice/outbound-calls.js';
import type { VoiceProvider } from './voice/voice-provider.js';
import { createWebhookDispatcher } from './webhook-dispatcher.js';

export interface EngineConfig {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  /** The bootstrap admin credential. */
  adminToken: string;
  /** How flows make HTTP calls; the guarded node:http client by default. */
  http?: HttpClient;
  /** Where the engine reports what it does (Prometheus when serving); nothing by default. */
  metrics?: Metrics;
  /** The messaging providers the adapters implement (src/adapters/<provider>); none by default. */
  messagingProviders?: readonly MessagingProvider[];
  /** CRM formats calls can be exported in besides signed HTTP (HubSpot: src/adapters/hubspot). */
  callExportFormats?: readonly CallExportFormat[];
  /** The SMTP server voicemail emails go through; without one they are recorded as failed. */
  email?: EmailTransport | null;
  /** The voice providers that carry live calls (Twilio: src/adapters/twilio); none by default. */
  voiceProviders?: readonly VoiceProvider[];
}

/** The engine's services over one store, clock and id source. Call start() before serving. */
export function createEngine(config: EngineConfig) {
  const { clock, newId } = config;
  // Outgoing requests (flow HTTP steps, webhooks, exports) may carry what an operation applied: they
  // leave once it is durable (see Store.committed).
  const send = config.http ?? nodeHttpClient;
  const http: HttpClient = (request) => config.store.committed().then(() => send(request));
  const callExports = createCallExports({
    store: config.store,
    clock,
    newId,
    http,
    formats: [signedHttpFormat, ...(config.callExportFormats ?? [])],
  });
  const store = exportingStore(config.store, callExports, (items) => outbox.added(items));
  const metrics = config.metrics ?? noMetrics;
  const access = createAccessControl({ store, adminToken: config.adminToken });
  const accounts = createAccounts({ store, clock, newId, access });
  const hub = createAgentHub();
  const timers = createTimerService({
    clock,
    fire: (timer) => {
      if (timer.kind === 'offer') return router.offerExpired(timer);
      if (timer.kind === 'wrap-up') return router.complete(timer.tenantId, timer.interactionId, null, timer.id);
      if (timer.kind === 'callback') return callbacks.due(timer);
      if (timer.kind === 'inactivity') return messaging.inactive(timer);
      return flows.deliver(timer.tenantId, timer.interactionId, { type: 'timer', timerId: timer.id });
    },
  });
  // Every committed interaction change reaches the router (queues, capacity) and the webhooks (events).
  const committed = (interaction: Interaction) => {
    void router.interactionChanged(interaction);
    webhooks.eventsCommitted(interaction.tenantId);
    telephony.interactionChanged(interaction);
  };
  const webhooks = createWebhookDispatcher({ store, clock, newId, http });
  const flows = createFlowRunner({
    store,
    clock,
    http,
    onTimers: (changes) => timers.apply(changes),
    onCommitted: committed,
    newId,
    onOutbox: (items) => outbox.added(items),
    invite: (tenant, request, key) => invitations.esp(tenant, request, key),
  });
  const router = createRouter({
    store,
    clock,
    newId,
    flows,
    hub,
    onTimers: (changes) => timers.apply(changes),
    onEvents: (tenantId) => webhooks.eventsCommitted(tenantId),
    onAccepted: (interaction) => {
      // The caller's hold loop asks again anyway: a provider that cannot be told now is not an error.
      if (interaction.liveCall) liveCalls.accepted(interaction).catch(() => undefined);
      // A callback on a provider's line is dialled at once; else (or failing that) the agent dials it.
      if (interaction.callback) agentCalls.accepted(interaction).catch(() => undefined);
    },
    metrics,
  });
  const queueStats = createQueueStats({ store, clock, router });
  const queueSeries = createQueueSeries({ store, clock });
  const configuration = createConfigurationService({
    store,
    clock,
    newId,
    access,
    changed: {
      agent: (agent) => void router.agentChanged(agent),
      agentRemoved: (tenantId, id) => void router.agentRemoved(tenantId, id),
      queue: (queue) => void router.queueChanged(queue),
      queueRemoved: (tenantId, id) => void router.queueRemoved(tenantId, id),
      integrations: (tenantId) => callExports.integrationsChanged(tenantId),
    },
  });
  const interactions = createInteractionService({
    store,
    clock,
    newId,
    configuration,
    flows,
    committed,
    onTimers: (changes) => timers.apply(changes),
    onOutbox: (items) => outbox.added(items),
    metrics,
  });
  const voiceProviders = new Map((config.voiceProviders ?? []).map((provider) => [provider.type, provider]));
  const callbacks = createCallbackService({ store, clock, newId, interactions, router, committed });
  const agentCalls = createAgentCalls({
    store,
    clock,
    newId,
    interactions,
    router,
    callbacks,
    committed,
    async placingChannel(tenantId, line) {
      const entryPoint = line ? await store.findEntryPointByAddress(tenantId, 'voice', line) : null;
      const channel = entryPoint ? await store.channels.get(tenantId, entryPoint.channelId) : null;
      return channel?.provider && voiceProviders.has(channel.provider.type) ? channel.id : null;
    },
    onOutbox: (items) => outbox.added(items),
  });
  const callCenters = createCallCenterService({ store, clock, newId });
  const contacts = createContactService({ store, clock, newId });
  const conversations = createConversations({ store, hub });
  const standardResponses = createStandardResponses({ store, clock, newId });
  const channelProviders = createChannelProviders({
    store,
    clock,
    providers: new Map((config.messagingProviders ?? []).map((provider) => [provider.type, provider])),
  });
  const messaging = createMessagingService({
    store,
    clock,
    newId,
    http,
    interactions,
    flows,
    conversations,
    channelProviders,
    router,
    committed,
    outboxAdded: (items) => outbox.added(items),
    onTimers: (changes) => timers.apply(changes),
  });
  const outbox = createOutboxDispatcher({
    store,
    clock,
    destinations: {
      messaging: messaging.delivery,
      'call-export': callExports.delivery,
      email: createEmailDelivery({ store, clock, transport: config.email ?? null }),
      'voice-call': createOutboundCallDelivery({
        store,
        clock,
        channelProviders,
        voiceProviders,
        http,
        agentCalls,
      }),
    },
  });
  const invitations = createInviteToChat({
    store,
    clock,
    interactions,
    contacts,
    channelProviders,
    standardResponses,
    router,
    newId,
    committed,
  });
  const liveCalls = createLiveCalls({
    store,
    interactions,
    flows,
    router,
    channelProviders,
    voiceProviders,
    agentCalls,
    http,
  });
  const telephony = createTelephonyService({ store, clock, newId, interactions, flows, router, conversations, committed });
  return {
    store,
    clock,
    access,
    accounts,
    hub,
    configuration,
    flows,
    router,
    interactions,
    callbacks,
    agentCalls,
    callCenters,
    contacts,
    telephony,
    liveCalls,
    conversations,
    channelProviders,
    messaging,
    outbox,
    standardResponses,
    invitations,
    webhooks,
    queueStats,
    queueSeries,
    callExports,
    /** What the metrics' gauges read when scraped. */
    async liveFigures(): Promise<LiveFigures> {
      return { ...(await router.liveFigures()), webhooks: await webhooks.backlog() };
    },
    /** Re-arms the stored timers and lets the router pick up the open work; returns how many timers. */
    async start(): Promise<number> {
      const armed = await timers.restore(store);
      await callExports.start();
      await router.start();
      await webhooks.start();
      await outbox.start();
      return armed;
    },
    /**
     * A cluster node took the tenant: its timers are armed, its call exports learnt, its router view built
     * from the store (the waiting work offered), and its pending webhooks and outbox items sent.
     */
    async startTenant(tenantId: string): Promise<void> {
      await timers.restore(store, tenantId);
      await callExports.integrationsChanged(tenantId);
      await router.startTenant(tenantId);
      await webhooks.startTenant(tenantId);
      await outbox.start(tenantId);
    },
    /** A cluster node gave the tenant up: everything it held in memory for it goes, and its connections close. */
    stopTenant(tenantId: string): void {
      timers.forgetTenant(tenantId);
      router.stopTenant(tenantId);
      webhooks.stopTenant(tenantId);
      outbox.stopTenant(tenantId);
      hub.closeTenant(tenantId);
    },
    stop(): void {
      timers.stop();
      router.stop();
      webhooks.stop();
      outbox.stop();
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
