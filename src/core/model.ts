import type { Callback, CallbackRequest, OutboundCallStatus } from './callbacks.js';
import type { FlowRun } from './flow/flow-interpreter.js';

/**
 * Domain types shared by every layer. Times are ISO 8601 UTC strings with milliseconds; ids are
 * opaque sortable strings (UUIDv7).
 */

export const channelTypes = ['voice', 'sms', 'email', 'messaging', 'work-item'] as const;
export type ChannelType = (typeof channelTypes)[number];

export const messagingMedia = ['whatsapp', 'apple-business-chat', 'facebook', 'chat'] as const;
export type MessagingMedium = (typeof messagingMedia)[number];

/** `any` only exists on dispatch mappings: it matches every channel type. */
export const mappingChannelTypes = ['any', ...channelTypes] as const;
export type MappingChannelType = (typeof mappingChannelTypes)[number];

export const interactionFields = ['customer', 'contact-point', 'source', 'direction'] as const;
export type InteractionField = (typeof interactionFields)[number];

export const directions = ['inbound', 'outbound', 'agent-initiated'] as const;
export type Direction = (typeof directions)[number];

export interface Tenant {
  id: string;
  name: string;
  /** ISO 3166-1 alpha-2, used to read national phone numbers; null means only +E.164 is understood. */
  defaultCountry: string | null;
  /** IANA time zone in which schedules and local times are read. */
  timeZone: string;
  parentTenantId: string | null;
  /** Whether flow HTTP steps may call loopback and private addresses (set by the admin only). */
  allowPrivateNetworkRequests: boolean;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  /** The first characters of the key, so a person can tell keys apart; never enough to use it. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export const agentSelections = ['longest-idle', 'most-proficient', 'round-robin'] as const;
export type AgentSelection = (typeof agentSelections)[number];

/** How a queue offers its work to agents. */
export interface QueueRouting {
  /** Which eligible agent gets the next offer. */
  selection: AgentSelection;
  /** For most-proficient: the skill (agent.attributes.skills.<skill>) that ranks agents. */
  proficiencySkill: string | null;
  offerTimeoutSeconds: number;
  /** Whether an agent who lets an offer expire becomes away (reason not_responding). */
  awayOnOfferTimeout: boolean;
  wrapUpSeconds: number;
  /**
   * How long an agent may hold connected work before the router ends it (the conversation's end was
   * never reported: a desktop that crashed, a lost hang-up). Absent on queues stored before it existed:
   * read it through maxConnectedMinutesOf.
   */
  maxConnectedMinutes: number;
  /**
   * Requirements that relax as the work waits: the step whose afterSeconds has passed applies
   * (e.g. skill ≥ 4 at first, anyone after 60 s). Empty means anyone in the queue at once.
   */
  escalation: { afterSeconds: number; requirements: string | null }[];
}

export const defaultQueueRouting: QueueRouting = {
  selection: 'longest-idle',
  proficiencySkill: null,
  offerTimeoutSeconds: 30,
  awayOnOfferTimeout: true,
  wrapUpSeconds: 30,
  maxConnectedMinutes: 480,
  escalation: [],
};

/** A queue's maxConnectedMinutes, also for queues stored before it existed (and for work without a queue). */
export function maxConnectedMinutesOf(routing: QueueRouting | undefined): number {
  return routing?.maxConnectedMinutes ?? defaultQueueRouting.maxConnectedMinutes;
}

export interface Queue {
  id: string;
  tenantId: string;
  name: string;
  devName: string;
  description: string | null;
  slaMinutes: number;
  routing: QueueRouting;
  /** The chat queue key invitations name it by (`<tenant number>:<endpoint>`, Genesys' ChatQueueKey). */
  chatQueueKey?: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Channel {
  id: string;
  tenantId: string;
  name: string;
  type: ChannelType;
  medium: MessagingMedium | null;
  defaultQueueId: string;
  /** The entry-point SLA of the default queue (Gladly's [B]); null means the queue's SLA applies. */
  defaultEntryPointSlaMinutes: number | null;
  /** Conversations: a connected one the customer leaves silent this long ends (wrap-up); null: never. */
  inactivityMinutes?: number | null;
  /** Conversations: Flex Chat (the default) or basic; invitations to chat need Flex Chat. */
  chatProtocol?: 'flex-chat' | 'basic' | null;
  /** Conversations: the chat queue key of the queue invitations without a ChatQueueKey go to. */
  inboundRouteByCall?: string | null;
  /** The messaging provider that carries this channel's messages (its credentials are kept apart). */
  provider?: ChannelProvider | null;
  createdAt: string;
  updatedAt: string;
}

export const providerTypes = ['whatsapp', 'messenger', 'webchat', 'apple', 'twilio'] as const;
export type ProviderType = (typeof providerTypes)[number];

/** A channel's provider as the API shows it: its settings, and which credentials are set (never their values). */
export interface ChannelProvider {
  type: ProviderType;
  /** The provider's own settings (API base URL, the business numbers' provider ids…), checked by its adapter. */
  settings: Record<string, unknown>;
  credentials: string[];
  updatedAt: string;
}

export interface EntryPoint {
  id: string;
  tenantId: string;
  channelId: string;
  /** Copied from the channel (whose type never changes) so lookups by address need no join. */
  channelType: ChannelType;
  name: string | null;
  /** Normalised: E.164, SIP URI with lower-case scheme and host, lower-case email, or an opaque id. */
  address: string;
  /**
   * Voice entry points (Service Cloud Voice's phone channels): the flow the telephony API's omniFlow
   * runs for calls to this number, and the queue that takes them when that flow fails.
   */
  flowId?: string | null;
  fallbackQueueId?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Routes one entry point to another queue than its channel default, optionally with its own SLA. */
export interface EntryPointException {
  tenantId: string;
  channelId: string;
  entryPointId: string;
  queueId: string;
  slaMinutes: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface EntryPointSettings {
  channelId: string;
  defaultQueueId: string;
  defaultEntryPointSlaMinutes: number | null;
  exceptions: EntryPointException[];
  entryPointCount: number;
  /** Entry points of the channel that have no exception yet (Gladly's "N of X"). */
  availableEntryPoints: number;
}

export interface Flow {
  id: string;
  tenantId: string;
  name: string;
  devName: string;
  description: string | null;
  /** A reusable flow is a subflow: it can be called by other flows but not be dispatched to. */
  reusable: boolean;
  fallbackQueueId: string | null;
  activeVersionId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FlowVersion {
  id: string;
  tenantId: string;
  flowId: string;
  /** 1, 2, 3… in order of creation within the flow. */
  number: number;
  label: string | null;
  definition: Record<string, unknown>;
  createdAt: string;
}

/** What a standard response holds (CONTRACT 1(a)): each medium takes some of them. */
export const standardResponseTypes = ['text', 'notification', 'quick-replies', 'generic', 'single-selection-list'] as const;
export type StandardResponseType = (typeof standardResponseTypes)[number];

/**
 * A message template an invitation to chat sends (Genesys' standard response): its text, attachments,
 * WhatsApp template or quick replies may hold field codes (docs/field-codes.md), filled when it is sent.
 */
export interface StandardResponse {
  id: string;
  tenantId: string;
  /** Unique in the tenant; an invitation names the response by it or by id (StandardResponseId). */
  name: string;
  description: string | null;
  contentType: StandardResponseType;
  /** The message's text (text, quick-replies); for a notification, the text shown on the interaction. */
  body: string;
  attachments: MessageAttachment[];
  /** notification: the WhatsApp template (`namespace@element_name`), its language, its body parameters. */
  template: { id: string; language: string; parameters: string[] } | null;
  /** quick-replies: the choices offered (titles; field codes allowed). */
  quickReplies: string[];
  /** generic: the cards of a carousel (Messenger's generic template). */
  cards: MessageCard[];
  /** single-selection-list: the choices, one to pick (Messenger's buttons, Apple's list picker); body is its title. */
  choices: string[];
  createdAt: string;
  updatedAt: string;
}

export interface DispatchMapping {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  channelType: MappingChannelType;
  interactionField: InteractionField;
  value: string;
  flowId: string;
  /** A pinned flow version, or null for whichever version is active at dispatch time. */
  version: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A mapping as a tenant sees it: its own, or one of an ancestor tenant's (read-only). */
export interface VisibleDispatchMapping extends DispatchMapping {
  inherited: boolean;
}

export const interactionStates = [
  'created',
  'dispatched',
  'in_flow',
  'queued',
  'offered',
  'connected',
  'wrap_up',
  'completed',
  'undispatched',
  'abandoned',
  'voicemail',
  'callback_requested',
  'failed',
  'transferred',
  'terminated',
] as const;
export type InteractionState = (typeof interactionStates)[number];

/** States an interaction does not leave: it can no longer change. */
export const finalStates: ReadonlySet<InteractionState> = new Set([
  'completed',
  'abandoned',
  'voicemail',
  'callback_requested',
  'failed',
  'transferred',
  'terminated',
]);

/** Why the interaction went to the flow it went to (or why it went nowhere). */
export interface DispatchDecision {
  mappingId: string | null;
  mappingName: string | null;
  channelType: MappingChannelType | null;
  interactionField: InteractionField | null;
  value: string | null;
  inherited: boolean;
  flowId: string | null;
  flowVersionId: string | null;
  versionPinned: boolean;
  /** How many active mappings matched; the winner is the most specific. */
  candidates: number;
  reason: string;
}

export type QueueSource =
  | 'exception'
  | 'channel-default'
  | 'flow'
  | 'flow-fallback'
  | 'transfer'
  | 'callback'
  | 'telephony'
  | 'invitation'
  | 'voicemail';
export type SlaSource = 'exception' | 'channel-entry-point' | 'queue';

/** Which queue and SLA applied, and why. */
export interface PlacementDecision {
  entryPointId: string | null;
  channelId: string | null;
  queueId: string;
  queueSource: QueueSource;
  slaMinutes: number;
  slaSource: SlaSource;
  /** The due date this contact alone would give. */
  potentialDueAt: string;
  /** The due date kept: the earlier of the potential one and any existing open due date. */
  dueAt: string;
  reason: string;
}

export interface Interaction {
  id: string;
  tenantId: string;
  channelType: ChannelType;
  medium: MessagingMedium | null;
  direction: Direction;
  customer: string | null;
  contactPoint: string | null;
  source: string | null;
  attributes: Record<string, unknown>;
  /** Higher is served first (before due date); 0 by default. */
  priority: number;
  state: InteractionState;
  flowId: string | null;
  flowVersionId: string | null;
  queueId: string | null;
  entryPointId: string | null;
  dueAt: string | null;
  /** The earliest inbound contact not yet answered: the start of the SLA clock on transfer. */
  unansweredSince: string | null;
  noReplyNeeded: boolean;
  dispatchError: 'NO_DISPATCH_MAPPING' | 'FLOW_VERSION_NOT_FOUND' | null;
  dispatch: DispatchDecision | null;
  placement: PlacementDecision | null;
  /** The flow run carrying the interaction: its position, variables, waits and the path it took. */
  flowRun: FlowRun | null;
  /** For calls created through the telephony API: the voice call record. */
  voiceCall?: VoiceCall | null;
  /** The queue that takes the interaction when its flow fails and the flow names no fallback queue. */
  fallbackQueueId?: string | null;
  /** What the flow asked of the router: who may take the work, who is preferred, until when it waits. */
  routing: RoutingRequest | null;
  /** The open offer, while the interaction is `offered`. */
  offer: Offer | null;
  /** The agent handling it (connected, wrap-up, and after). */
  agentId: string | null;
  /** Agents who rejected or let an offer expire: not offered again while anyone else can take it. */
  declinedBy: string[];
  /** When wrap-up ends and the interaction completes by itself. */
  wrapUpUntil: string | null;
  /** When the agent accepted it (absent on interactions stored before it existed). */
  connectedAt?: string | null;
  /** For a segment created by a transfer: the interaction it continues (for a callback: the call). */
  parentInteractionId: string | null;
  /** The customer's stored contact, when the interaction was linked to one (an invitation's contact identification). */
  contactId?: string | null;
  /** An invitation to chat (seed 001) that created it: its chat type, standard response and terminate flag. */
  invitation?: {
    type: 'Inbound' | 'Outbound';
    subtype: 'InboundNew' | 'OutboundNew';
    standardResponseId: string | null;
    terminateSession: boolean;
  } | null;
  /** Messaging: when the customer last wrote (a provider's customer-service window runs from it). */
  lastCustomerMessageAt?: string | null;
  /**
   * A flow's voicemail step ended the call: where the voicemail goes once the voice provider reports its
   * recording (the queue, and the call's skills requirements), and who is emailed. Null once reported.
   */
  awaitedVoicemail?: {
    stepId: string;
    queueId: string | null;
    requirements: string | null;
    notificationEmail: string | null;
  } | null;
  /** Voicemail work: the call it was left on and its recording, for the agent to listen to. */
  voicemail?: { callId: string; recordingUrl: string; durationSeconds: number | null } | null;
  /** A callback asked for later: the queue it goes to when `at` comes (a stored timer fires then). */
  scheduledCallback?: { queueId: string; at: string } | null;
  /** A callback (voice, outbound): the number to call, the attempts allowed and those made. */
  callback?: Callback | null;
  /**
   * A flow's callback step ended the call: the callback to make, made by a stored timer (due at once) in
   * its own transaction, so it is made once even across a crash. Null once made.
   */
  requestedCallback?: { request: CallbackRequest; queueId: string | null; requirements: string | null; stepId: string } | null;
  /**
   * A call whose audio a voice provider carries live and drives with what Switchboard answers (Twilio's
   * TwiML): the provider's call id and the channel whose provider settings apply.
   */
  liveCall?: { provider: ProviderType; channelId: string; callSid: string } | null;
  /** What the agent recorded when completing it: the outcome (disposition) and their notes. */
  wrapUp?: { disposition: string | null; notes: string | null; agentId: string | null; at: string } | null;
  /** A call an agent placed: how it goes, and for a callback's attempt which callback and attempt. */
  outboundCall?: { status: OutboundCallStatus; callbackId: string | null; attempt: number | null } | null;
  enqueuedAt: string | null;
  /** Increases with every saved change; stores use it for optimistic concurrency. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * A telephony provider's binding (Service Cloud Voice's CallCenter): JWTs issued by `orgId` with
 * subject `apiName`, signed by one of the keys in `certificates`, act for this tenant.
 */
export interface CallCenter {
  id: string;
  tenantId: string;
  name: string;
  apiName: string;
  orgId: string;
  /** `aud`, when a token carries one, must equal this. */
  audience: string;
  /** PEM public keys or X.509 certificates; several during a key rotation. */
  certificates: string[];
  createdAt: string;
  updatedAt: string;
}

/** Service Cloud Voice's CallCenterRoutingMap: one of our agents or queues ↔ the provider's id for it. */
export interface RoutingMap {
  id: string;
  tenantId: string;
  callCenterId: string;
  referenceType: 'user' | 'queue';
  /** The agent's or queue's id. */
  referenceId: string;
  externalId: string;
  developerName: string;
  masterLabel: string | null;
  quickConnect: string | null;
  createdAt: string;
  updatedAt: string;
}

export const initiationMethods = ['Inbound', 'Outbound', 'Transfer', 'Callback'] as const;
export type InitiationMethod = (typeof initiationMethods)[number];

/** A voice call record of the telephony API, carried by its voice interaction. */
export interface VoiceCall {
  callCenterId: string;
  vendorCallKey: string;
  providerName: string | null;
  from: string;
  to: string;
  initiationMethod: InitiationMethod;
  startTime: string;
  endTime: string | null;
  enqueueTime: string | null;
  acceptTime: string | null;
  callAttributes: Record<string, unknown>;
  participants: unknown[];
  /** For a transfer: the interaction id of the call it continues. */
  parentVoiceCallId: string | null;
  /** What the provider reported after the call (holds, recording, disposition…), as sent. */
  details: Record<string, unknown>;
  /** Service Cloud Voice's PendingServiceRouting: set by omniFlow, gone once answered or cleared. */
  pendingRouting: PendingRouting | null;
  /** Ended before anyone answered: a missed call. */
  missed: boolean;
  /**
   * The provider keeps the conversation open after the call's end (an update with isActiveCall true:
   * a voicemail being packaged): transcripts are still taken, and the end does not close the work.
   */
  conversationOpen?: boolean;
  /** Set when the provider made the call a voicemail (callOrigin Voicemail): where the recording is. */
  voicemail?: { recordingLocation: string | null; durationSeconds: number | null; at: string } | null;
}

/** Who said or wrote a message of a conversation. */
export const messageAuthors = ['customer', 'agent', 'supervisor', 'external', 'flow', 'system'] as const;
export type MessageAuthor = (typeof messageAuthors)[number];

/** Where a message stands: an inbound one was received; an outbound one goes queued → sent → delivered → read, or failed. */
export const messageStatuses = ['received', 'queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** A file sent with a message, by URL (the provider's or the sender's). */
export interface MessageAttachment {
  url: string;
  contentType: string;
  name: string | null;
}

/** A card of a carousel: a title, an optional subtitle and image, up to three buttons (a link, or a reply). */
export interface MessageCard {
  title: string;
  subtitle: string | null;
  imageUrl: string | null;
  buttons: { title: string; url: string | null }[];
}

/** Rich content a message carries where its medium has it. */
export type StructuredContent = { type: 'cards'; cards: MessageCard[] } | { type: 'list'; title: string; choices: string[] };

/** A message template of the provider (WhatsApp: the only thing that may open a conversation after 24 h). */
export interface MessageTemplate {
  name: string;
  language: string;
  /** The body's parameters, in order. */
  parameters: string[];
}

/**
 * One message of an interaction's conversation, in the order it arrived. A call's transcript is one
 * (each utterance the provider transcribed); messaging channels add theirs.
 */
export interface ConversationMessage {
  id: string;
  tenantId: string;
  interactionId: string;
  /** `transcript`: an utterance of a call, transcribed by the voice provider; `message`: a chat message. */
  kind: 'transcript' | 'message';
  /** inbound: from the customer's side; outbound: from the contact center's. */
  direction: 'inbound' | 'outbound';
  author: MessageAuthor;
  text: string;
  /** The provider's id of the message (a transcript's messageId, WhatsApp's wamid): unique within the interaction. */
  externalId: string | null;
  /** The sender as the provider names them (a transcript's senderType and participantId), or the agent. */
  sender: { type: string; id: string | null } | null;
  /** When it was said or sent. */
  sentAt: string;
  /** When a transcribed utterance ended. */
  endedAt: string | null;
  createdAt: string;
  /** Chat messages: files sent with it. */
  attachments?: MessageAttachment[];
  /** Chat messages sent as a provider template. */
  template?: MessageTemplate | null;
  /** Choices offered with the message (Messenger's quick replies). */
  quickReplies?: string[];
  /** Rich content: a carousel, or a list to pick from. */
  structured?: StructuredContent | null;
  /** Chat messages: where it stands, since when, and the provider's refusal when it failed. */
  status?: MessageStatus;
  statusAt?: string;
  error?: { code: string; message: string } | null;
}

/**
 * Something to send out of the process (transactional outbox): stored in the transaction of the change
 * that decides to send it, sent after that commit, retried with backoff until the destination takes or
 * refuses it. Items of one ordering key leave one at a time, in order. `destination` says what the item
 * stands for: a conversation message to a messaging provider, a call export to an integration, an email,
 * or an outbound call to place through a voice provider.
 */
export type OutboxItem = OutboxItemState &
  (
    | { destination: 'messaging'; payload: { interactionId: string; messageId: string } }
    | { destination: 'call-export'; payload: { interactionId: string; exportId: string } }
    | { destination: 'email'; payload: { interactionId: string; email: EmailMessage } }
    /** An agent's outbound call, placed through the voice provider of the line it goes out on. */
    | { destination: 'voice-call'; payload: { interactionId: string; channelId: string } }
  );

/** An email to send (a voicemail's notification): plain text. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Where the outbox sends an item; one handler per kind. */
export type OutboxDestination = OutboxItem['destination'];

export interface OutboxItemState {
  id: string;
  tenantId: string;
  /** Items with the same key (a conversation: its interaction id) leave in the order they were added. */
  orderingKey: string;
  attempts: number;
  nextAttemptAt: string;
  /** Why the last attempt did not go through (kept on a failed item). */
  lastError: string | null;
  state: 'pending' | 'failed';
  createdAt: string;
}

/** How an outbox item ended: sent (it goes), or refused by its destination (kept, failed). */
export interface OutboxSettlement {
  id: string;
  outcome: 'sent' | 'failed';
  error: string | null;
}

export interface PendingRouting {
  createdAt: string;
  /** Which rule of the omniFlow precedence routed the call, e.g. `phone channel +18445791189 flow`. */
  source: string;
  agent: string | null;
  queue: string | null;
}

/** The routing instructions of a routeToQueue or routeToAgent step, for the router. */
export interface RoutingRequest {
  stepId: string | null;
  /** CEL over `agent`: who may be offered the work; null means anyone in the queue. */
  requirements: string | null;
  preferredAgent: { agent: string; expiresAt: string } | null;
  /** For routeToAgent: the only agent to offer it to, until expiresAt. */
  targetAgent: { agent: string; expiresAt: string } | null;
  maxWaitUntil: string | null;
}

/** A stored timer: re-armed when the server starts, so waits survive a restart. */
export interface StoredTimer {
  id: string;
  tenantId: string;
  interactionId: string;
  /** What the timer is for: a flow run's wait, an offer's expiry, the end of wrap-up or a scheduled callback. */
  kind: 'flow' | 'offer' | 'wrap-up' | 'callback' | 'inactivity';
  dueAt: string;
}

export const presenceStatuses = ['offline', 'available', 'away'] as const;
export type PresenceStatus = (typeof presenceStatuses)[number];

export interface Presence {
  status: PresenceStatus;
  /** Why away (e.g. lunch, not_responding); null otherwise. */
  reason: string | null;
  since: string;
}

/** A person who handles work. */
export const voiceEndpointTypes = ['client', 'sip', 'number'] as const;
export interface VoiceEndpoint {
  type: (typeof voiceEndpointTypes)[number];
  /** A Client identity, a `sip:` URI, or a phone number in E.164. */
  address: string;
}

export interface Agent {
  id: string;
  tenantId: string;
  name: string;
  /** Lower-case, unique in the tenant: how integrations recognise people. */
  email: string;
  employeeId: string | null;
  /** What queue and flow expressions read as `agent.attributes`, e.g. {"skills":{"billing":4}}. */
  attributes: Record<string, unknown>;
  /** How many interactions of each channel type the agent handles at once. */
  capacity: Record<ChannelType, number>;
  /** Whether a voice call keeps other work away while it lasts. */
  voiceBlocksOtherWork: boolean;
  /** The queues whose work the agent may be offered. */
  queueIds: string[];
  /**
   * Where a voice provider rings the agent for a call they accept (Twilio: a Client identity, a SIP
   * address or a phone number); null: the Client identity that is the agent's id.
   */
  voiceEndpoint?: VoiceEndpoint | null;
  presence: Presence;
  createdAt: string;
  updatedAt: string;
}

/**
 * A customer record (seeds 001 and 004): found by any of its phone numbers or email addresses, so an
 * interaction from one of them knows who is calling, and the flow can prefer their favourite agent.
 */
export interface Contact {
  id: string;
  tenantId: string;
  title: string | null;
  firstName: string | null;
  lastName: string | null;
  /** E.164; the first is the primary number. Unique in the tenant across contacts. */
  phoneNumbers: string[];
  /** Lower-case; the first is the primary address. Unique in the tenant across contacts. */
  emailAddresses: string[];
  /** The agent the customer prefers (an agent id of the tenant); cleared when that agent is deleted. */
  favoriteAgentId: string | null;
  /** The contact's owner in the tenant's CRM (seed 004's assignment chain). */
  ownerIntegrationUserId: string | null;
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** A credential for the agent-facing API and WebSocket; the secret is shown once. */
export interface AgentToken {
  id: string;
  tenantId: string;
  agentId: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export const defaultAgentCapacity: Record<ChannelType, number> = { voice: 1, sms: 3, email: 3, messaging: 3, 'work-item': 3 };

/** An open offer of an interaction to one agent. */
export interface Offer {
  id: string;
  agentId: string;
  offeredAt: string;
  expiresAt: string;
}

export interface InteractionEvent {
  /** Global, increasing; a cursor for event feeds. */
  seq: number;
  interactionId: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** The routing state of an interaction that no flow or router has touched yet (a fresh object each time). */
/** A new interaction's dispatch and placement: none yet (no flow, no queue, no due date). */
export function unplaced(): Pick<
  Interaction,
  'flowId' | 'flowVersionId' | 'queueId' | 'entryPointId' | 'dueAt' | 'dispatchError' | 'dispatch' | 'placement' | 'enqueuedAt'
> {
  return {
    flowId: null,
    flowVersionId: null,
    queueId: null,
    entryPointId: null,
    dueAt: null,
    dispatchError: null,
    dispatch: null,
    placement: null,
    enqueuedAt: null,
  };
}

export function untouchedRouting(): Pick<
  Interaction,
  'flowRun' | 'routing' | 'offer' | 'agentId' | 'declinedBy' | 'wrapUpUntil'
> {
  return { flowRun: null, routing: null, offer: null, agentId: null, declinedBy: [], wrapUpUntil: null };
}

/** A new event of an interaction's history (its sequence number is given when it is stored). */
/**
 * The conversation thread a messaging interaction belongs to: one customer on one entry point of one
 * medium. A customer's new message continues the open interaction of its thread; null for other channels.
 */
export function conversationThread(
  interaction: Pick<Interaction, 'channelType' | 'medium' | 'contactPoint' | 'customer'>,
): string | null {
  const { channelType, medium, contactPoint, customer } = interaction;
  if ((channelType !== 'messaging' && channelType !== 'sms') || !contactPoint || !customer) return null;
  return `${channelType}/${medium ?? ''}/${contactPoint}/${customer}`;
}

export function interactionEvent(
  interactionId: string,
  type: string,
  at: string,
  data: Record<string, unknown>,
): Omit<InteractionEvent, 'seq'> {
  return { interactionId, type, at, data };
}

/** A webhook subscription: events of the tenant POSTed to a URL, signed, at least once, in order. */
export interface Webhook {
  id: string;
  tenantId: string;
  url: string;
  /** Event types to deliver (e.g. offer.created); null for all. */
  eventTypes: string[] | null;
  active: boolean;
  /** The most events one request carries (1–1000; absent on subscriptions stored before it existed: 500). */
  maxEventsPerRequest?: number;
  /** The last event (seq) delivered and acknowledged with a 2xx. */
  lastDeliveredSeq: number;
  /** Consecutive failed attempts of the next event. */
  failures: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A page of a list, with the cursor of the next page when there is one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  /** The id after which the page starts (ids sort in creation order). */
  after: string | null;
}
