import { type Interaction, interactionEvent, type OutboxItem, type ProviderType } from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { AgentCalls } from '../callbacks/agent-calls.js';
import type { Clock } from '../clock.js';
import type { HttpClient } from '../http-client.js';
import type { ChannelProviders } from '../messaging/channel-providers.js';
import type { DeliveryOutcome, OutboxDestinationHandler } from '../outbox/outbox-dispatcher.js';
import { endpointOf } from './live-calls.js';
import type { VoiceProvider } from './voice-provider.js';

type CallItem = Extract<OutboxItem, { destination: 'voice-call' }>;

/**
 * The outbox destination `voice-call`: an agent's outbound call on a line whose channel has a voice
 * provider, placed agent first. Written with the call's interaction (so a call is placed once, even
 * across a crash); placed, the provider's call id goes on the interaction (`liveCall`); refused, the
 * call ends as `failed` — for a callback, an attempt that did not reach the customer.
 */
export function createOutboundCallDelivery(deps: {
  store: Store;
  clock: Clock;
  channelProviders: ChannelProviders;
  voiceProviders: ReadonlyMap<ProviderType, VoiceProvider>;
  http: HttpClient;
  agentCalls: AgentCalls;
}) {
  const { store, clock } = deps;

  /** Records the outcome on the call, settling the item in the same change. */
  async function record(item: CallItem, outcome: { callSid: string; provider: ProviderType } | { error: string }) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const call = await store.getInteraction(item.tenantId, item.payload.interactionId);
      if (!call) return;
      const now = clock.now();
      const placed = 'callSid' in outcome;
      const next: Interaction = {
        ...call,
        ...(placed
          ? { liveCall: { provider: outcome.provider, channelId: item.payload.channelId, callSid: outcome.callSid } }
          : {}),
        revision: call.revision + 1,
        updatedAt: now,
      };
      const event = placed
        ? interactionEvent(call.id, 'call.placed', now, { provider: outcome.provider, callSid: outcome.callSid })
        : interactionEvent(call.id, 'call.placement_failed', now, { error: outcome.error });
      const settle = [
        { id: item.id, outcome: placed ? ('sent' as const) : ('failed' as const), error: placed ? null : outcome.error },
      ];
      if (await store.saveInteractions([{ interaction: next, events: [event], settle }])) {
        // Not placed: the call is over before it began (for a callback, the attempt failed).
        const tenant = placed ? null : await store.getTenant(item.tenantId);
        if (tenant) await deps.agentCalls.callStatus(tenant, call.id, 'failed', null).catch(() => undefined);
        return;
      }
    }
    throw new Error('The call kept changing while its placement was recorded');
  }

  const delivery: OutboxDestinationHandler<'voice-call'> = {
    async deliver(item): Promise<DeliveryOutcome> {
      const call = await store.getInteraction(item.tenantId, item.payload.interactionId);
      const tenant = await store.getTenant(item.tenantId);
      const resolved = await deps.channelProviders.resolve(item.tenantId, item.payload.channelId);
      const type = resolved?.channel.provider?.type;
      const provider = type ? deps.voiceProviders.get(type) : undefined;
      const agent = call?.agentId ? await store.agents.get(item.tenantId, call.agentId) : null;
      if (!call || !tenant || !resolved || !provider || !type || !agent || !call.contactPoint) {
        await record(item, { error: 'The line has no voice provider any more, or the call or its agent is gone.' });
        return { kind: 'settled' };
      }
      const result = await provider.placeCall({
        settings: resolved.channel.provider?.settings ?? {},
        secrets: resolved.secrets,
        tenantId: tenant.id,
        channelId: resolved.channel.id,
        interactionId: call.id,
        agent: endpointOf(agent),
        line: call.contactPoint,
        http: deps.http,
        allowPrivateNetwork: tenant.allowPrivateNetworkRequests,
      });
      if (result.kind === 'retry') return { kind: 'retry', error: result.message, retryAfterMs: result.retryAfterMs };
      await record(item, result.kind === 'placed' ? { callSid: result.callSid, provider: type } : { error: result.message });
      return { kind: 'settled' };
    },
    async giveUp(item, error): Promise<void> {
      await record(item, { error });
    },
  };
  return delivery;
}
