import { addressKindFor, normalizeAddress } from '../../core/address.js';
import { chatQueueKeyPattern } from '../../core/configuration.js';
import { AppError, notFound } from '../../core/errors.js';
import { type FieldCodeContext, renderTemplate } from '../../core/field-codes/field-code-evaluator.js';
import { FieldCodeError } from '../../core/field-codes/field-code-parser.js';
import {
  type Channel,
  type Contact,
  conversationThread,
  type Interaction,
  interactionEvent,
  type Queue,
  type StandardResponse,
  type Tenant,
} from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { ContactService } from '../contact-service.js';
import type { IdGenerator } from '../id-generator.js';
import type { InteractionService } from '../interaction-service.js';
import type { ChannelProviders } from '../messaging/channel-providers.js';
import { windowClosed } from '../messaging/messaging-service.js';
import type { OutgoingContent } from '../messaging/outbound.js';
import type { Router } from '../router-service.js';
import type { StandardResponses } from './standard-responses.js';

type KV = Record<string, unknown>;

/** The logical ESP request of a routing strategy (CONTRACT 1(a), 1(a')). */
export interface EspRequest {
  AppName?: unknown;
  AppType?: unknown;
  Service?: unknown;
  Method?: unknown;
  Parameters?: unknown;
  UserData?: unknown;
}

/** The ESP answer: the chat session id, or a fault the strategy branches on (CONTRACT 1(b')). */
export type EspOutcome =
  | { ok: true; sessionId: string; interaction: Interaction }
  | { ok: false; faultCode: number; faultString: string };

/** A fault of the table of CONTRACT 1(b'). */
class Fault extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(faultString);
  }
}

const faults = {
  missing: (name: string) => new Fault(1001, `MISSING_PARAMETER:${name}`),
  unknownChannel: (why: string) => new Fault(1002, `UNKNOWN_CHANNEL: ${why}`),
  unsupportedMedia: (medium: string) =>
    new Fault(1003, `UNSUPPORTED_MEDIA: ${medium} cannot be invited to (Apple Messages, Messenger and WhatsApp can)`),
  protocol: () => new Fault(1004, 'PROTOCOL_NOT_SUPPORTED: the channel is not configured for the Flex Chat protocol'),
  method: (what: string) => new Fault(1005, `UNKNOWN_SERVICE_OR_METHOD: ${what}`),
  application: () => new Fault(1006, 'APPLICATION_NOT_SPECIFIED: AppName or AppType is required'),
  response: (ref: string) => new Fault(1007, `STANDARD_RESPONSE_NOT_FOUND: ${ref}`),
  contentType: (why: string) => new Fault(1008, `UNSUPPORTED_CONTENT_TYPE: ${why}`),
  queueKey: (why: string) => new Fault(1009, `INVALID_CHAT_QUEUE_KEY: ${why}`),
  flag: (value: string) => new Fault(1010, `INVALID_FLAG: TerminateSessionFlag is true or false, not ${JSON.stringify(value)}`),
  rendering: (why: string) => new Fault(1011, `RENDERING_FAILED: ${why}`),
  prefix: (value: string) => new Fault(1012, `INVALID_VALUE_TYPE_PREFIX: ${JSON.stringify(value.slice(0, 40))}`),
};

/** The media an invitation can move a caller to, and the standard response types each takes (CONTRACT 1(a)). */
const contentTypesByMedium: Record<string, StandardResponse['contentType'][]> = {
  whatsapp: ['text', 'notification'],
  facebook: ['text', 'quick-replies', 'generic', 'single-selection-list'],
  // Apple's interactive messages: a single-selection list is its list picker.
  'apple-business-chat': ['text', 'single-selection-list'],
};

/** Messenger shows a single-selection list as buttons: at most three. */
const messengerButtons = 3;

/**
 * The routing-strategy value types (CONTRACT 1(a'')): a string may carry a prefix in braces — `{s}` text,
 * `{i}` a whole number, `{l}` a list (KVList, written as a JSON object). The letter is case-sensitive;
 * any other prefix (`{1}`, `{L}`) is a fault. Values without a prefix are taken as they are.
 */
export function unprefix(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as KV).map(([k, v]) => [k, unprefix(v)]));
  }
  if (typeof value !== 'string') return value;
  const match = /^\{(.)\}/.exec(value);
  if (!match) return value;
  const rest = value.slice(3);
  if (match[1] === 's') return rest;
  if (match[1] === 'i') {
    if (!/^-?\d+$/.test(rest.trim())) throw faults.prefix(value);
    return Number(rest.trim());
  }
  if (match[1] === 'l') {
    try {
      const list = JSON.parse(rest) as unknown;
      if (list && typeof list === 'object' && !Array.isArray(list)) return unprefix(list);
    } catch {
      // not a list
    }
    throw faults.prefix(value);
  }
  throw faults.prefix(value);
}

function kv(value: unknown): KV {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as KV) : {};
}

function textOf(value: unknown): string {
  return value === undefined || value === null ? '' : String(value).trim();
}

const truthy = (value: unknown) => textOf(value).toLowerCase() === 'true';

/**
 * Genesys DMS `ChatService.InviteToChat` (seed 001): a strategy invites the caller to continue on a
 * messaging channel. A new messaging interaction (its id the chat session id) waits in the ChatQueueKey's
 * queue (or the channel's inbound-route-by-call, or its default), carries the UserData unchanged, is
 * linked to the contact, prefers the last called agent, and sends the standard response rendered with
 * the request's Contact, Agent and CustomProperties. Faults are outcomes, not errors.
 */
export function createInviteToChat(deps: {
  store: Store;
  clock: Clock;
  interactions: InteractionService;
  contacts: ContactService;
  channelProviders: ChannelProviders;
  standardResponses: StandardResponses;
  router: Router;
  newId: IdGenerator;
  committed(interaction: Interaction): void;
}) {
  const { store, clock } = deps;

  async function conversationChannels(tenant: Tenant): Promise<Channel[]> {
    const [messaging, sms] = await Promise.all([
      store.listChannelsOfType(tenant.id, 'messaging'),
      store.listChannelsOfType(tenant.id, 'sms'),
    ]);
    return [...messaging, ...sms];
  }

  async function queueByKey(tenant: Tenant, key: string): Promise<Queue | null> {
    let after: string | null = null;
    for (;;) {
      const page = await store.queues.list(tenant.id, { limit: 200, after });
      const found = page.items.find((q) => q.chatQueueKey === key);
      if (found || !page.nextCursor) return found ?? null;
      after = page.nextCursor;
    }
  }

  async function invite(tenant: Tenant, request: EspRequest, idempotencyKey: string | null): Promise<EspOutcome> {
    if (textOf(request.AppName) === '' && textOf(request.AppType) === '') throw faults.application();
    if (textOf(request.Service) !== 'ChatService' || textOf(request.Method) !== 'InviteToChat') {
      throw faults.method(`${textOf(request.Service) || '(no service)'}.${textOf(request.Method) || '(no method)'}`);
    }
    const parameters = kv(unprefix(kv(request.Parameters)));
    const userData = kv(unprefix(kv(request.UserData)));
    const clientId = textOf(parameters._umsClientId);
    const businessId = textOf(parameters._umsBusinessId);
    if (!clientId) throw faults.missing('_umsClientId');
    if (!businessId) throw faults.missing('_umsBusinessId');

    // The channel: named, or the only one.
    const channels = await conversationChannels(tenant);
    const name = textOf(parameters._umsChannel);
    let channel: Channel | undefined;
    if (name) {
      channel = channels.find((c) => c.name === name || c.id === name);
      if (!channel) throw faults.unknownChannel(`no channel ${name}`);
    } else if (channels.length > 1) {
      throw faults.missing('_umsChannel');
    } else {
      channel = channels[0];
      if (!channel) throw faults.unknownChannel('the tenant has no messaging channel');
    }
    const medium = channel.type === 'sms' ? 'sms' : (channel.medium ?? 'messaging');
    const allowed = contentTypesByMedium[medium];
    if (!allowed) throw faults.unsupportedMedia(medium);
    if ((channel.chatProtocol ?? 'flex-chat') !== 'flex-chat') throw faults.protocol();
    const business =
      normalizeAddress(businessId, addressKindFor(channel.type, channel.medium), tenant.defaultCountry) ?? businessId;
    const entryPoint = await store.findEntryPointByAddress(tenant.id, channel.type, business);
    if (!entryPoint || entryPoint.channelId !== channel.id)
      throw faults.unknownChannel(`${businessId} is not a business number or id of ${channel.name}`);

    const flag = parameters.TerminateSessionFlag;
    if (flag !== undefined && flag !== null && !['true', 'false'].includes(textOf(flag).toLowerCase()))
      throw faults.flag(textOf(flag));
    const terminate = truthy(flag);

    // The queue: ChatQueueKey, else the channel's inbound-route-by-call, else its default queue.
    const key = textOf(parameters.ChatQueueKey);
    let queue: Queue | null;
    if (key) {
      if (!chatQueueKeyPattern.test(key)) throw faults.queueKey(`${key} is not <tenant number>:<endpoint name>`);
      queue = await queueByKey(tenant, key);
      if (!queue) throw faults.queueKey(`no queue of this tenant has the key ${key}`);
    } else if (channel.inboundRouteByCall) {
      queue = await queueByKey(tenant, channel.inboundRouteByCall);
      if (!queue) throw faults.queueKey(`the channel's inbound-route-by-call ${channel.inboundRouteByCall} names no queue`);
    } else {
      queue = await store.queues.get(tenant.id, channel.defaultQueueId);
      if (!queue) throw faults.queueKey('the channel has no default queue');
    }

    // The standard response, allowed on the medium.
    const responseRef = textOf(parameters.StandardResponseId);
    const response = responseRef ? await deps.standardResponses.find(tenant, responseRef) : null;
    if (responseRef && !response) throw faults.response(responseRef);
    if (response && !allowed.includes(response.contentType))
      throw faults.contentType(`${response.contentType} cannot be sent on ${medium}`);
    if (
      response?.contentType === 'single-selection-list' &&
      medium === 'facebook' &&
      response.choices.length > messengerButtons
    ) {
      throw faults.contentType(`Messenger shows at most ${messengerButtons} choices as buttons`);
    }
    const resolved = await deps.channelProviders.resolve(tenant.id, channel.id);
    if (response && !resolved) throw faults.unknownChannel(`${channel.name} has no messaging provider to send through`);

    // The contact: the identification attribute (PhoneNumber, or the client id) finds or makes it.
    const customer =
      normalizeAddress(
        clientId,
        addressKindFor(channel.type, channel.medium === 'whatsapp' ? 'whatsapp' : null),
        tenant.defaultCountry,
      ) ?? clientId;
    const identification = textOf(userData.PhoneNumber) || (channel.medium === 'whatsapp' ? customer : '');
    let contact: Contact | null = null;
    if (identification) {
      contact = await store.findContactByAddress(
        tenant.id,
        normalizeAddress(identification, 'phone', tenant.defaultCountry) ?? identification,
      );
      const phone = normalizeAddress(identification, 'phone', tenant.defaultCountry);
      if (!contact && phone) {
        const given = kv(parameters.Contact);
        contact = await deps.contacts
          .create(tenant, {
            phoneNumbers: [phone],
            ...(textOf(given.FirstName) ? { firstName: textOf(given.FirstName) } : {}),
            ...(textOf(given.LastName) ? { lastName: textOf(given.LastName) } : {}),
          })
          .catch(async () => store.findContactByAddress(tenant.id, phone));
      }
    }

    // The message, rendered now (a mistake is a fault, before anything is created).
    const now = clock.now();
    const sessionId = deps.newId();
    const outbound = truthy(userData.GCTI_Chat_SubmitAsOutbound);
    let content: OutgoingContent | null = null;
    if (response) {
      const stored = kv(contact);
      const context: FieldCodeContext = {
        interaction: {
          Id: sessionId,
          DateCreated: now,
          ToAddress: customer,
          FromAddress: entryPoint.address,
          Subject: '',
          TimeZone: textOf(userData.TimeZone) || 'GMT',
          attachedData: userData,
        },
        // The request's Contact wins per key; the stored contact fills the rest (CONTRACT Q1.3).
        contact: {
          Id: stored.id,
          Title: stored.title,
          FirstName: stored.firstName,
          LastName: stored.lastName,
          FullName: [stored.firstName, stored.lastName].filter(Boolean).join(' ') || undefined,
          PrimaryPhoneNumber: (stored.phoneNumbers as string[] | undefined)?.[0],
          PrimaryEmailAddress: (stored.emailAddresses as string[] | undefined)?.[0],
          EmailAddresses: stored.emailAddresses,
          ...kv(parameters.Contact),
        },
        agent: kv(parameters.Agent),
        custom: kv(parameters.CustomProperties),
      };
      try {
        const render = (template: string) => renderTemplate(template, context);
        content = {
          text: render(response.body),
          attachments: response.attachments.map((a) => ({ ...a, url: render(a.url) })),
          template: response.template
            ? {
                name: response.template.id.split('@')[1] as string,
                language: response.template.language,
                parameters: response.template.parameters.map(render),
              }
            : null,
          quickReplies: response.quickReplies.map(render),
          structured:
            response.contentType === 'generic'
              ? {
                  type: 'cards',
                  cards: response.cards.map((card) => ({
                    title: render(card.title),
                    subtitle: card.subtitle ? render(card.subtitle) : null,
                    imageUrl: card.imageUrl ? render(card.imageUrl) : null,
                    buttons: card.buttons.map((b) => ({ title: render(b.title), url: b.url ? render(b.url) : null })),
                  })),
                }
              : response.contentType === 'single-selection-list'
                ? { type: 'list', title: render(response.body), choices: response.choices.map(render) }
                : null,
        };
      } catch (error) {
        if (error instanceof FieldCodeError) throw faults.rendering(error.message);
        throw error;
      }
      // Outside the provider's window only a template goes (CONTRACT Q1.5).
      const thread = conversationThread({
        channelType: channel.type,
        medium: channel.medium,
        contactPoint: entryPoint.address,
        customer,
      });
      const latest = thread ? await store.findLatestInThread(tenant.id, thread) : null;
      // (WhatsApp: a template. Messenger has no templates: its send goes, and Meta decides.)
      if (
        resolved?.provider.templates &&
        !content.template &&
        windowClosed(resolved.provider, 'system', latest?.lastCustomerMessageAt ?? null, now) !== null
      ) {
        throw faults.contentType(`${medium} takes only a template outside its customer-service window`);
      }
    }

    const agentRef = textOf(userData.LastCalledAgent_EmployeeID);
    const { interaction } = await deps.interactions.create(
      tenant,
      {
        channelType: channel.type,
        medium: channel.medium ?? undefined,
        direction: outbound ? 'outbound' : 'inbound',
        customer,
        contactPoint: entryPoint.address,
        source: textOf(request.AppName) || `AppType ${textOf(request.AppType)}`,
        attributes: userData,
      },
      idempotencyKey,
      {
        id: sessionId,
        invitationQueue: queue,
        contactId: contact?.id ?? null,
        invitation: {
          type: outbound ? 'Outbound' : 'Inbound',
          subtype: outbound ? 'OutboundNew' : 'InboundNew',
          standardResponseId: response?.id ?? null,
          terminateSession: terminate,
        },
        ...(agentRef ? { preferredAgent: { agent: agentRef, expiresAt: new Date(Date.parse(now) + 60_000).toISOString() } } : {}),
        ...(content
          ? { outgoing: { content, author: 'system' as const, sender: { type: 'invitation', id: response?.id ?? null } } }
          : {}),
      },
    );
    if (!terminate) return { ok: true, sessionId: interaction.id, interaction };
    // Ended right after the send was accepted (queued to the provider): nobody is offered it.
    let current = await store.getInteraction(tenant.id, interaction.id);
    if (current && ['queued', 'offered', 'in_flow'].includes(current.state))
      current = await deps.router.withdraw(tenant.id, current.id);
    if (!current) throw notFound('interaction');
    const terminated: Interaction = {
      ...current,
      state: 'terminated',
      queueId: queue.id,
      revision: current.revision + 1,
      updatedAt: clock.now(),
    };
    if (
      await store.saveInteractions([
        {
          interaction: terminated,
          events: [interactionEvent(current.id, 'interaction.terminated', clock.now(), { cause: 'TerminateSessionFlag' })],
        },
      ])
    ) {
      deps.committed(terminated);
    }
    return { ok: true, sessionId: interaction.id, interaction: terminated };
  }

  return {
    /** Runs an ESP request; a fault of the contract's table is an outcome, other failures are errors. */
    async esp(tenant: Tenant, request: EspRequest, idempotencyKey: string | null = null): Promise<EspOutcome> {
      try {
        return await invite(tenant, request, idempotencyKey);
      } catch (error) {
        if (error instanceof Fault) return { ok: false, faultCode: error.faultCode, faultString: error.faultString };
        if (error instanceof AppError) throw error;
        throw error;
      }
    },
  };
}

export type InviteToChat = ReturnType<typeof createInviteToChat>;
