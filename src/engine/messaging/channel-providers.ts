import { AppError, apiError, notFound } from '../../core/errors.js';
import { type Channel, type ChannelProvider, type ProviderType, providerTypes, type Tenant } from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { MessagingProvider } from './messaging-provider.js';

type Body = Record<string, unknown>;

/** The channels each provider carries: a messaging medium, or (Twilio) the phone channels. */
const carried: Record<ProviderType, { what: string; carries: (channel: Channel) => boolean }> = {
  whatsapp: { what: 'whatsapp channels', carries: (channel) => channel.medium === 'whatsapp' },
  messenger: { what: 'facebook channels', carries: (channel) => channel.medium === 'facebook' },
  webchat: { what: 'chat channels', carries: (channel) => channel.medium === 'chat' },
  apple: { what: 'apple-business-chat channels', carries: (channel) => channel.medium === 'apple-business-chat' },
  twilio: { what: 'voice and sms channels', carries: (channel) => channel.type === 'voice' || channel.type === 'sms' },
};

/**
 * A channel's messaging provider: its settings on the channel (what the API shows), its credentials
 * apart (write-only: set or replaced, never read back). PUT replaces the settings; a credential left
 * out keeps its value, so rotating one secret does not mean sending the others again.
 */
export function createChannelProviders(deps: {
  store: Store;
  clock: Clock;
  providers: ReadonlyMap<ProviderType, MessagingProvider>;
}) {
  const { store, clock } = deps;

  async function channelOf(tenant: Tenant, channelId: string): Promise<Channel> {
    const channel = await store.channels.get(tenant.id, channelId);
    if (!channel) throw notFound('channel');
    return channel;
  }

  return {
    async get(tenant: Tenant, channelId: string): Promise<ChannelProvider> {
      const channel = await channelOf(tenant, channelId);
      if (!channel.provider) throw notFound('provider');
      return channel.provider;
    },

    async set(tenant: Tenant, channelId: string, body: Body): Promise<ChannelProvider> {
      const channel = await channelOf(tenant, channelId);
      const type = body.type as ProviderType;
      const provider = deps.providers.get(type);
      if (!providerTypes.includes(type) || !provider) {
        throw new AppError(apiError('INVALID_VALUE', `type must be one of ${[...deps.providers.keys()].join(', ')}.`, 'type'));
      }
      if (!carried[type].carries(channel)) {
        throw new AppError(
          apiError(
            'PROVIDER_NOT_ALLOWED',
            `${type} carries ${carried[type].what}; this one is ${channel.medium ?? channel.type}.`,
            'type',
          ),
        );
      }
      const given = (body.credentials ?? {}) as Record<string, unknown>;
      // What the provider makes itself (web chat's session key), unless one is set already, then what is given.
      const secrets: Record<string, string> = {
        ...provider.generateCredentials?.(),
        ...(channel.provider?.type === type ? await store.getChannelSecrets(tenant.id, channel.id) : {}),
      };
      for (const [name, value] of Object.entries(given)) {
        if (!provider.credentials.includes(name)) {
          throw new AppError(
            apiError(
              'UNKNOWN_FIELD',
              `${name} is not a credential of ${type} (${provider.credentials.join(', ')}).`,
              `credentials.${name}`,
            ),
          );
        }
        if (typeof value !== 'string' || value.trim() === '' || value.length > 4096) {
          throw new AppError(
            apiError(
              'INVALID_VALUE',
              `credentials.${name} must be a non-empty string of at most 4096 characters.`,
              `credentials.${name}`,
            ),
          );
        }
        secrets[name] = value.trim();
      }
      const missing = provider.credentials.filter((name) => !secrets[name]);
      if (missing.length > 0) {
        throw new AppError(apiError('REQUIRED', `credentials.${missing[0]} is required.`, `credentials.${missing[0]}`));
      }
      const settings = provider.checkSettings((body.settings ?? {}) as Record<string, unknown>, tenant);
      const configured: ChannelProvider = { type, settings, credentials: [...provider.credentials], updatedAt: clock.now() };
      // Secrets first: a channel never names a provider whose credentials are not stored.
      await store.setChannelSecrets(tenant.id, channel.id, secrets);
      if (!(await store.channels.update({ ...channel, provider: configured, updatedAt: clock.now() }))) throw notFound('channel');
      return configured;
    },

    async remove(tenant: Tenant, channelId: string): Promise<void> {
      const channel = await channelOf(tenant, channelId);
      if (!channel.provider) throw notFound('provider');
      await store.channels.update({ ...channel, provider: null, updatedAt: clock.now() });
      await store.setChannelSecrets(tenant.id, channel.id, {});
    },

    /** The provider of a channel with its credentials, for the adapters' webhooks and for sending. */
    async resolve(
      tenantId: string,
      channelId: string,
    ): Promise<{ channel: Channel; provider: MessagingProvider; secrets: Record<string, string> } | null> {
      const channel = await store.channels.get(tenantId, channelId);
      const provider = channel?.provider ? deps.providers.get(channel.provider.type) : undefined;
      if (!channel || !provider) return null;
      return { channel, provider, secrets: await store.getChannelSecrets(tenantId, channelId) };
    },
  };
}

export type ChannelProviders = ReturnType<typeof createChannelProviders>;
