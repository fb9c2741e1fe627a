import { AppError, apiError, notFound } from '../../core/errors.js';
import {
  type Channel,
  type ConversationMessage,
  conversationThread,
  finalStates,
  type Interaction,
  interactionEvent,
  type MessageAttachment,
  type MessageAuthor,
  type MessageStatus,
  type MessageTemplate,
  type OutboxItem,
  type OutboxSettlement,
  type StoredTimer,
  type Tenant,
} from '../../core/model.js';
import type { InteractionChange, Store, TimerChanges } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { Conversations } from '../conversations.js';
import type { FlowRunner } from '../flow-runner.js';
import type { HttpClient } from '../http-client.js';
import type { IdGenerator } from '../id-generator.js';
import type { InteractionService } from '../interaction-service.js';
import type { DeliveryOutcome, OutboxDestinationHandler } from '../outbox/outbox-dispatcher.js';
import type { Router } from '../router-service.js';
import type { ChannelProviders } from './channel-providers.js';
import type { MessagingProvider } from './messaging-provider.js';
import { outboundMessage } from './outbound.js';

type Body = Record<string, unknown>;

/** A customer's message as an adapter read it from its provider's webhook. */
export interface InboundMessage {
  /** The business's address it was sent to (an entry point of the channel). */
  to: string;
  /** The customer's address on the medium. */
  from: string;
  externalId: string;
  text: string;
  attachments: MessageAttachment[];
  sentAt: string;
  /** The name the customer goes by on the medium, when the provider tells it. */
  customerName: string | null;
}

/** A provider's report on a message it was given to send. */
export interface StatusReport {
  externalId: string;
  status: Extract<MessageStatus, 'sent' | 'delivered' | 'read' | 'failed'>;
  at: string;
  error: { code: string; message: string } | null;
}

const maxText = 4096;
const maxAttachments = 10;
/** How far a status may move: a late `delivered` does not undo `read`, nothing undoes `failed`. */
const statusRank: Record<MessageStatus, number> = { received: 0, queued: 1, sent: 2, delivered: 3, read: 4, failed: 5 };

function refuse(code: 'REQUIRED' | 'INVALID_VALUE' | 'INVALID_TYPE', message: string, field: string): never {
  throw new AppError(apiError(code, message, field));
}

/** The text, attachments and template of a message to send, checked. */
function outgoing(body: Body): { text: string; attachments: MessageAttachment[]; template: MessageTemplate | null } {
  const text = body.text === undefined || body.text === null ? '' : body.text;
  if (typeof text !== 'string') refuse('INVALID_TYPE', 'text must be a string', 'text');
  if (text.length > maxText) refuse('INVALID_VALUE', `text is longer than ${maxText} characters`, 'text');
  const rawAttachments = body.attachments ?? [];
  if (!Array.isArray(rawAttachments)) refuse('INVALID_TYPE', 'attachments must be a list', 'attachments');
  if (rawAttachments.length > maxAttachments) refuse('INVALID_VALUE', `at most ${maxAttachments} attachments`, 'attachments');
  const attachments = rawAttachments.map((raw, i): MessageAttachment => {
    const a = (raw ?? {}) as Body;
    const field = `attachments[${i}]`;
    if (typeof a.url !== 'string' || !/^https?:\/\/\S+$/i.test(a.url) || a.url.length > 2000) {
      refuse('INVALID_VALUE', `${field}.url must be an http(s) URL`, `${field}.url`);
    }
    if (typeof a.contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(a.contentType)) {
      refuse('INVALID_VALUE', `${field}.contentType must be a media type such as image/png`, `${field}.contentType`);
    }
    const name = typeof a.name === 'string' && a.name.trim() !== '' ? a.name.trim().slice(0, 200) : null;
    return { url: a.url, contentType: a.contentType.toLowerCase(), name };
  });
  let template: MessageTemplate | null = null;
  if (body.template !== undefined && body.template !== null) {
    const t = body.template as Body;
    if (typeof t !== 'object' || Array.isArray(t)) refuse('INVALID_TYPE', 'template must be an object', 'template');
    if (typeof t.name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(t.name)) {
      refuse('INVALID_VALUE', 'template.name must be the template name (lower case, digits, underscores)', 'template.name');
    }
    const language = t.language ?? 'en_US';
    if (typeof language !== 'string' || !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) {
      refuse('INVALID_VALUE', 'template.language must be a language code such as en_US', 'template.language');
    }
    const parameters = t.parameters ?? [];
    if (
      !Array.isArray(parameters) ||
      parameters.length > 20 ||
      parameters.some((p) => typeof p !== 'string' || p.length > 1024)
    ) {
      refuse('INVALID_VALUE', 'template.parameters must be up to 20 strings', 'template.parameters');
    }
    template = { name: t.name, language, parameters: parameters as string[] };
  }
  if (text.trim() === '' && attachments.length === 0 && !template) {
    refuse('REQUIRED', 'A message needs text, attachments or a template', 'text');
  }
  return { text, attachments, template };
}

/**
 * The provider's customer-service window for a message by this author: null while open, else its
 * length in hours. A person's reply may have longer (Messenger's HUMAN_AGENT tag).
 */
export function windowClosed(
  provider: Pick<MessagingProvider, 'windowHours' | 'agentWindowHours'>,
  author: MessageAuthor,
  lastCustomerMessageAt: string | null,
  now: string,
): number | null {
  if (provider.windowHours === null) return null;
  const hours = author === 'agent' && provider.agentWindowHours !== null ? provider.agentWindowHours : provider.windowHours;
  if (lastCustomerMessageAt && Date.parse(now) - Date.parse(lastCustomerMessageAt) <= hours * 3_600_000) return null;
  return hours;
}

/**
 * Conversations on messaging channels: customers' messages in (continuing their open interaction, or
 * starting one that dispatch and the flows route), messages out (queued in the outbox with the change
 * that decides them, sent after it commits), and what providers report on them.
 */
export function createMessagingService(deps: {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  http: HttpClient;
  interactions: InteractionService;
  flows: FlowRunner;
  conversations: Conversations;
  channelProviders: ChannelProviders;
  router: Router;
  committed(interaction: Interaction): void;
  /** Hands committed outbox items to the dispatcher. */
  outboxAdded(items: OutboxItem[]): void;
  /** Arms the timers a change set (the inactivity timer of a conversation). */
  onTimers(changes: TimerChanges): void;
}) {
  const { store, clock, newId } = deps;
  /** Messages of one thread are taken one at a time: a burst of first messages makes one interaction. */
  const threads = new Map<string, Promise<unknown>>();

  function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = threads.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    threads.set(key, settled);
    void settled.then(() => {
      if (threads.get(key) === settled) threads.delete(key);
    });
    return run;
  }

  /**
   * Saves a change of the interaction made by `build` from its latest revision, retrying when the
   * router or a flow changed it meanwhile. Null from `build`: nothing to save.
   */
  async function change(
    tenantId: string,
    interactionId: string,
    build: (interaction: Interaction) => (Omit<InteractionChange, 'interaction'> & { interaction?: Interaction }) | null,
  ): Promise<Interaction | null> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await store.getInteraction(tenantId, interactionId);
      if (!current) return null;
      const made = build(current);
      if (!made) return current;
      const changed = { ...(made.interaction ?? current), revision: current.revision + 1, updatedAt: clock.now() };
      if (await store.saveInteractions([{ ...made, interaction: changed }])) {
        deps.committed(changed);
        if (made.timers) deps.onTimers(made.timers);
        return changed;
      }
    }
    throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The interaction changed while this request ran; retry.'));
  }

  /** The timer that ends a conversation the customer left silent (the channel's inactivityMinutes). */
  function inactivityTimer(
    channel: Channel,
    interactionId: string,
    tenantId: string,
    lastMessageAt: string,
  ): TimerChanges | undefined {
    if (!channel.inactivityMinutes) return undefined;
    const id = `${interactionId}:inactivity`;
    const dueAt = new Date(
      Math.max(Date.parse(lastMessageAt), Date.parse(clock.now())) + channel.inactivityMinutes * 60_000,
    ).toISOString();
    return { cancel: [id], set: [{ id, tenantId, interactionId, kind: 'inactivity', dueAt }] };
  }

  /** The customer has gone: a connected conversation ends (wrap-up), one still being routed is abandoned. */
  async function customerLeft(interaction: Interaction): Promise<void> {
    if (interaction.state === 'connected') {
      await deps.router.end(interaction.tenantId, interaction.id, 'customer', null).catch(() => undefined);
    } else if (['in_flow', 'queued', 'offered'].includes(interaction.state)) {
      await deps.router.abandon(interaction.tenantId, interaction.id).catch(() => undefined);
    }
  }

  /** The newest interaction of a customer's conversation thread on an entry point of the channel. */
  async function latestIn(tenant: Tenant, channel: Channel, who: { to: string; from: string }): Promise<Interaction | null> {
    const thread = conversationThread({
      channelType: channel.type,
      medium: channel.medium,
      contactPoint: who.to,
      customer: who.from,
    });
    return thread ? store.findLatestInThread(tenant.id, thread) : null;
  }

  /** The channel a messaging interaction is on (its entry point's). */
  async function channelOf(interaction: Interaction): Promise<Channel | null> {
    const entryPoint = interaction.entryPointId
      ? await store.entryPoints.get(interaction.tenantId, interaction.entryPointId)
      : null;
    return entryPoint ? store.channels.get(interaction.tenantId, entryPoint.channelId) : null;
  }

  /** Records what became of an outbound message, settling its outbox item in the same change. */
  async function record(
    item: Extract<OutboxItem, { destination: 'messaging' }>,
    update: (message: ConversationMessage) => ConversationMessage,
    settlement: OutboxSettlement,
  ): Promise<void> {
    let recorded: ConversationMessage | null = null;
    const message = await store.getConversationMessage(item.tenantId, item.payload.messageId);
    if (!message) return;
    const after = await change(item.tenantId, item.payload.interactionId, () => {
      recorded = update(message);
      const type = recorded.status === 'sent' ? 'message.sent' : 'message.status';
      return {
        events: [interactionEvent(message.interactionId, type, clock.now(), { message: recorded })],
        messages: [recorded],
        settle: [settlement],
      };
    });
    if (after && recorded) await pushStatus(after, recorded);
  }

  async function pushStatus(interaction: Interaction, message: ConversationMessage): Promise<void> {
    await deps.conversations.pushToAgent(interaction, {
      type: 'message.status',
      interactionId: interaction.id,
      messageId: message.id,
      status: message.status,
      externalId: message.externalId,
      error: message.error ?? null,
    });
  }

  /** The outbox destination `messaging`: one attempt at sending a queued message. */
  const delivery: OutboxDestinationHandler<'messaging'> = {
    async deliver(item): Promise<DeliveryOutcome> {
      const [message, interaction, tenant] = await Promise.all([
        store.getConversationMessage(item.tenantId, item.payload.messageId),
        store.getInteraction(item.tenantId, item.payload.interactionId),
        store.getTenant(item.tenantId),
      ]);
      if (!message || !interaction || !tenant) return { kind: 'settled' };
      const channel = await channelOf(interaction);
      const resolved = channel ? await deps.channelProviders.resolve(tenant.id, channel.id) : null;
      const fail = (code: string, text: string) =>
        record(item, (m) => ({ ...m, status: 'failed', statusAt: clock.now(), error: { code, message: text } }), {
          id: item.id,
          outcome: 'failed',
          error: `${code}: ${text}`,
        });
      if (!resolved || !interaction.customer || !interaction.contactPoint) {
        await fail('PROVIDER_NOT_CONFIGURED', 'The channel has no messaging provider any more.');
        return { kind: 'settled' };
      }
      const result = await resolved.provider.send({
        channelId: resolved.channel.id,
        settings: resolved.channel.provider?.settings ?? {},
        secrets: resolved.secrets,
        message: {
          id: message.id,
          interactionId: message.interactionId,
          tenantId: message.tenantId,
          author: message.author,
          sentAt: message.sentAt,
          to: interaction.customer,
          from: interaction.contactPoint,
          text: message.text,
          attachments: message.attachments ?? [],
          template: message.template ?? null,
          quickReplies: message.quickReplies ?? [],
          structured: message.structured ?? null,
        },
        http: deps.http,
        allowPrivateNetwork: tenant.allowPrivateNetworkRequests,
        context: { author: message.author, lastCustomerMessageAt: interaction.lastCustomerMessageAt ?? null, now: clock.now() },
      });
      if (result.kind === 'retry') return { kind: 'retry', error: result.message, retryAfterMs: result.retryAfterMs };
      if (result.kind === 'refused') {
        await fail(result.code, result.message);
        return { kind: 'settled' };
      }
      await record(
        item,
        (m) => ({
          ...m,
          externalId: result.externalId,
          status: statusRank[m.status ?? 'queued'] < statusRank.sent ? 'sent' : m.status,
          statusAt: clock.now(),
        }),
        { id: item.id, outcome: 'sent', error: null },
      );
      return { kind: 'settled' };
    },
    async giveUp(item, error) {
      await record(
        item,
        (m) => ({ ...m, status: 'failed', statusAt: clock.now(), error: { code: 'UNDELIVERABLE', message: error } }),
        { id: item.id, outcome: 'failed', error },
      );
    },
  };

  return {
    delivery,

    /**
     * A customer's message from a provider's webhook. The same provider message id is stored once
     * (providers retry webhooks). It continues the open interaction of the customer on that entry point,
     * or starts one that dispatch and the flows route. False when the business address is no entry
     * point of the channel.
     */
    async receive(
      tenant: Tenant,
      channel: Channel,
      inbound: InboundMessage,
    ): Promise<{ interactionId: string; duplicate: boolean } | null> {
      const entryPoint = await store.findEntryPointByAddress(tenant.id, channel.type, inbound.to);
      if (!entryPoint || entryPoint.channelId !== channel.id) return null;
      const thread = conversationThread({
        channelType: channel.type,
        medium: channel.medium,
        contactPoint: entryPoint.address,
        customer: inbound.from,
      });
      return serialized(thread ?? inbound.from, async () => {
        const known = await store.findMessageByExternalId(tenant.id, inbound.externalId);
        if (known) return { interactionId: known.interactionId, duplicate: true };
        const now = clock.now();
        const message: Omit<ConversationMessage, 'interactionId'> = {
          id: newId(),
          tenantId: tenant.id,
          kind: 'message',
          direction: 'inbound',
          author: 'customer',
          text: inbound.text,
          externalId: inbound.externalId,
          sender: { type: 'customer', id: inbound.from },
          sentAt: inbound.sentAt,
          endedAt: null,
          createdAt: now,
          attachments: inbound.attachments,
          status: 'received',
          statusAt: now,
        };
        const latest = thread ? await store.findLatestInThread(tenant.id, thread) : null;
        if (!latest || finalStates.has(latest.state)) {
          const { interaction } = await deps.interactions.create(
            tenant,
            {
              channelType: channel.type,
              medium: channel.medium ?? undefined,
              customer: inbound.from,
              contactPoint: entryPoint.address,
              source: channel.provider?.type ?? null,
              attributes: {
                ...(inbound.customerName ? { customerName: inbound.customerName } : {}),
                // The agent of the customer's previous conversation here: a flow may prefer them
                // (routeToQueue's preferredAgent, for as long as it says).
                ...(latest?.agentId ? { lastAgentId: latest.agentId } : {}),
              },
            },
            null,
            { firstMessage: message },
          );
          const timers = inactivityTimer(channel, interaction.id, tenant.id, inbound.sentAt);
          if (timers && !finalStates.has(interaction.state))
            await change(tenant.id, interaction.id, () => ({ events: [], timers }));
          return { interactionId: interaction.id, duplicate: false };
        }
        const stored: ConversationMessage = { ...message, interactionId: latest.id };
        const updated = await change(tenant.id, latest.id, (interaction) => ({
          interaction: { ...interaction, lastCustomerMessageAt: inbound.sentAt },
          events: [interactionEvent(interaction.id, 'message.received', now, { message: stored })],
          messages: [stored],
          timers: inactivityTimer(channel, interaction.id, tenant.id, inbound.sentAt),
        }));
        if (updated) {
          await deps.conversations.pushToAgent(updated, { type: 'message', interactionId: updated.id, message: stored });
          // A flow waiting for the customer's answer (collectInput) takes the message as its input.
          if (updated.flowRun?.waiting?.kind === 'input') {
            await deps.flows.input(tenant, updated.id, inbound.text).catch(() => undefined);
          }
        }
        return { interactionId: latest.id, duplicate: false };
      });
    },

    /**
     * A provider's read receipt for a whole conversation (Messenger's watermark): every message to the
     * customer sent up to `at` is read.
     */
    async readUpTo(tenant: Tenant, channel: Channel, receipt: { to: string; from: string; at: string }): Promise<void> {
      const latest = await latestIn(tenant, channel, { to: receipt.to, from: receipt.from });
      if (!latest) return;
      const unread: ConversationMessage[] = [];
      let after: string | null = null;
      for (let page = 0; page < 20; page++) {
        const { items, nextCursor } = await store.listConversation(tenant.id, latest.id, { limit: 200, after });
        for (const m of items) {
          const rank = statusRank[m.status ?? 'queued'];
          if (m.direction === 'outbound' && rank >= statusRank.sent && rank < statusRank.read && m.sentAt <= receipt.at)
            unread.push(m);
        }
        if (!nextCursor) break;
        after = nextCursor;
      }
      if (unread.length === 0) return;
      const read = unread.map((m) => ({ ...m, status: 'read' as const, statusAt: receipt.at }));
      const interaction = await change(tenant.id, latest.id, () => ({
        events: read.map((message) => interactionEvent(latest.id, 'message.status', clock.now(), { message })),
        messages: read,
      }));
      if (interaction) for (const message of read) await pushStatus(interaction, message);
    },

    /**
     * A conversation's inactivity timer fired: if the customer has not written since, a connected
     * conversation ends as the customer's (wrap-up), one still waiting is abandoned.
     */
    async inactive(timer: StoredTimer): Promise<void> {
      const interaction = await store.getInteraction(timer.tenantId, timer.interactionId);
      const channel = interaction ? await channelOf(interaction) : null;
      const minutes = channel?.inactivityMinutes;
      const last = interaction?.lastCustomerMessageAt;
      const stillSilent = !!minutes && !!last && Date.parse(clock.now()) >= Date.parse(last) + minutes * 60_000;
      if (interaction && stillSilent) await customerLeft(interaction);
      await store.deleteTimers([timer.id]);
    },

    /**
     * The customer closed the conversation (web chat's end): a connected one goes to wrap-up as ended
     * by the customer, one still waiting is abandoned. False when the customer has no open conversation.
     */
    async customerEnded(tenant: Tenant, channel: Channel, who: { to: string; from: string }): Promise<boolean> {
      const latest = await latestIn(tenant, channel, { to: who.to, from: who.from });
      if (!latest || finalStates.has(latest.state)) return false;
      await customerLeft(latest);
      return true;
    },

    /** The customer's conversation on an entry point: the messages of their latest interaction there. */
    async history(
      tenant: Tenant,
      channel: Channel,
      who: { to: string; from: string },
    ): Promise<{ interaction: Interaction | null; messages: ConversationMessage[] }> {
      const latest = await latestIn(tenant, channel, { to: who.to, from: who.from });
      if (!latest) return { interaction: null, messages: [] };
      return {
        interaction: latest,
        messages: (await store.listConversation(tenant.id, latest.id, { limit: 200, after: null })).items,
      };
    },

    /** A provider's report on a message it was given: status moves forward only; unknown ids are ignored. */
    async statusReported(tenant: Tenant, report: StatusReport): Promise<boolean> {
      const message = await store.findMessageByExternalId(tenant.id, report.externalId);
      if (message?.direction !== 'outbound') return false;
      let updated: ConversationMessage | null = null;
      const interaction = await change(tenant.id, message.interactionId, () => {
        const current = message;
        if (statusRank[report.status] <= statusRank[current.status ?? 'queued'] && report.status !== 'failed') return null;
        if (current.status === 'failed') return null;
        updated = { ...current, status: report.status, statusAt: report.at, error: report.error };
        return {
          events: [interactionEvent(current.interactionId, 'message.status', clock.now(), { message: updated })],
          messages: [updated],
        };
      });
      if (interaction && updated) await pushStatus(interaction, updated);
      return true;
    },

    /**
     * An agent's (or, with an API key, anyone's) message to the customer: checked, stored as queued with
     * its outbox item in one change, and sent once that is committed. An agent must hold the interaction.
     */
    async send(tenant: Tenant, interactionId: string, body: Body, agentId: string | null): Promise<ConversationMessage> {
      const content = outgoing(body);
      const interaction = await store.getInteraction(tenant.id, interactionId);
      if (!interaction || (agentId !== null && interaction.agentId !== agentId && interaction.offer?.agentId !== agentId)) {
        throw notFound('interaction');
      }
      if (interaction.channelType !== 'messaging' && interaction.channelType !== 'sms') {
        throw new AppError(
          apiError('NOT_A_CONVERSATION', `A ${interaction.channelType} interaction has no conversation to send in.`),
        );
      }
      if (finalStates.has(interaction.state)) {
        throw new AppError(apiError('INTERACTION_CLOSED', `The interaction is ${interaction.state}.`));
      }
      if (agentId !== null && interaction.state !== 'connected') {
        throw new AppError(apiError('INTERACTION_NOT_CONNECTED', 'Accept the interaction before writing to the customer.'));
      }
      const channel = await channelOf(interaction);
      const resolved = channel ? await deps.channelProviders.resolve(tenant.id, channel.id) : null;
      if (!resolved) {
        throw new AppError(apiError('PROVIDER_NOT_CONFIGURED', 'The channel of this interaction has no messaging provider.'));
      }
      if (content.attachments.length > resolved.provider.maxAttachments) {
        refuse(
          'INVALID_VALUE',
          `${resolved.provider.type} carries at most ${resolved.provider.maxAttachments} attachment(s) a message`,
          'attachments',
        );
      }
      if (!resolved.provider.captions && content.attachments.length > 0 && content.text.trim() !== '') {
        refuse(
          'INVALID_VALUE',
          `${resolved.provider.type} sends text and an attachment as two messages: send them apart`,
          'attachments',
        );
      }
      if (content.template && !resolved.provider.templates) {
        refuse('INVALID_VALUE', `${resolved.provider.type} sends no templates`, 'template');
      }
      const author = agentId ? 'agent' : 'system';
      const closed = windowClosed(resolved.provider, author, interaction.lastCustomerMessageAt ?? null, clock.now());
      if (closed !== null && !content.template) {
        const last = interaction.lastCustomerMessageAt;
        throw new AppError(
          apiError(
            'MESSAGING_WINDOW_CLOSED',
            `The customer last wrote ${last ? `at ${last}` : 'never'}: after ${closed} h ${resolved.provider.type} takes ${resolved.provider.templates ? 'only a template' : 'nothing until the customer writes again'}.`,
            'template',
          ),
        );
      }
      const { message, item } = outboundMessage(newId, clock.now(), { tenantId: tenant.id, interactionId }, content, {
        author,
        sender: agentId ? { type: 'agent', id: agentId } : null,
      });
      await change(tenant.id, interactionId, (current) => ({
        interaction: current,
        events: [interactionEvent(interactionId, 'message.queued', message.createdAt, { message })],
        messages: [message],
        outbox: [item],
      }));
      await store.committed();
      deps.outboxAdded([item]);
      return message;
    },
  };
}

export type MessagingService = ReturnType<typeof createMessagingService>;
