import type { CallExport, Integration } from '../core/integrations.js';
import type {
  Agent,
  AgentToken,
  ApiKey,
  CallCenter,
  Channel,
  Contact,
  ConversationMessage,
  DispatchMapping,
  EntryPoint,
  EntryPointException,
  Flow,
  FlowVersion,
  Interaction,
  InteractionEvent,
  InteractionState,
  OutboxItem,
  OutboxSettlement,
  Page,
  PageRequest,
  Queue,
  RoutingMap,
  StandardResponse,
  StoredTimer,
  Tenant,
  Webhook,
} from '../core/model.js';
import type { User, WebSession } from '../core/users.js';

/** Timers a change arms and disarms, saved in the same transaction as the change. */
/** Which interactions a search returns; every condition given must hold. Times are ISO 8601 UTC. */
export interface InteractionFilter {
  state?: InteractionState;
  queueId?: string;
  /** The customer's address exactly as stored (E.164 for phone numbers). */
  customer?: string;
  createdFrom?: string;
  createdBefore?: string;
}

export interface TimerChanges {
  set: StoredTimer[];
  cancel: string[];
}

/** One interaction to save with its new events and timer changes. */
export interface InteractionChange {
  interaction: Interaction;
  events: Omit<InteractionEvent, 'seq'>[];
  timers?: TimerChanges;
  /** Messages added to the interaction's conversation or changed (by id), saved with it. */
  messages?: ConversationMessage[];
  /** Items for the outbox, sent once this change is committed. */
  outbox?: OutboxItem[];
  /** Outbox items this change settles: sent ones go, failed ones stay (visible) as failed. */
  settle?: OutboxSettlement[];
  /**
   * Exports of the call this change ends (their outbox items go in `outbox`), one per call and integration:
   * a new one is not written when the call has one for that integration already; a held one is refreshed.
   */
  callExports?: CallExport[];
}

/**
 * The tenant-scoped configuration objects share one shape of storage operations. Every lookup takes
 * the tenant id: an object of another tenant is indistinguishable from a missing one.
 * Uniqueness and reference rules are enforced by the store itself (so they hold under concurrency)
 * and reported as AppErrors with the resource's conflict or in-use code.
 */
export interface ResourceTable<T extends { id: string; tenantId: string }> {
  insert(item: T): Promise<void>;
  get(tenantId: string, id: string): Promise<T | null>;
  list(tenantId: string, page: PageRequest): Promise<Page<T>>;
  /** Replaces the stored object; false when it does not exist. */
  update(item: T): Promise<boolean>;
  /** False when it does not exist; throws the in-use error when other objects still refer to it. */
  remove(tenantId: string, id: string): Promise<boolean>;
}

/**
 * Storage for a whole Switchboard installation: domain operations, each one transaction.
 *
 * An operation resolves once it is *applied*: every later operation of this process sees it. It may
 * become *durable* a little later (the SQLite store commits operations in groups); `committed()`
 * says when. Nothing may leave the process (a reply, a push, an outgoing request) before what it
 * reports is durable, so those exits wait for `committed()`.
 */
export interface Store {
  readonly driver: 'sqlite' | 'postgres';
  /** Resolves when every operation applied so far is durable (at once where each commits on its own). */
  committed(): Promise<void>;

  createTenant(tenant: Tenant): Promise<void>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(page: PageRequest): Promise<Page<Tenant>>;
  updateTenant(tenant: Tenant): Promise<boolean>;

  /** Stores a key by the hash of its secret; the secret itself is never stored. */
  createApiKey(key: ApiKey, secretHash: string): Promise<void>;
  listApiKeys(tenantId: string, page: PageRequest): Promise<Page<ApiKey>>;
  getApiKey(tenantId: string, id: string): Promise<ApiKey | null>;
  /** Marks the key revoked; false when there is no such key. Revoking twice keeps the first time. */
  revokeApiKey(tenantId: string, id: string, at: string): Promise<boolean>;
  /** The unrevoked key with this secret hash. */
  findActiveApiKey(secretHash: string): Promise<ApiKey | null>;

  readonly queues: ResourceTable<Queue>;
  readonly channels: ResourceTable<Channel>;
  readonly entryPoints: ResourceTable<EntryPoint>;
  readonly integrations: ResourceTable<Integration>;
  readonly flows: ResourceTable<Flow>;
  readonly dispatchMappings: ResourceTable<DispatchMapping>;
  readonly agents: ResourceTable<Agent>;
  /** Standard responses: the name is unique per tenant (DUPLICATE_STANDARD_RESPONSE). */
  readonly standardResponses: ResourceTable<StandardResponse>;

  /** Customer records; each phone number and email address belongs to at most one contact of the tenant. */
  readonly contacts: ResourceTable<Contact>;
  /** The contact with this phone number (E.164) or email address (lower-case). */
  findContactByAddress(tenantId: string, address: string): Promise<Contact | null>;

  /** A queue by devName or id. */
  findQueue(tenantId: string, ref: string): Promise<Queue | null>;
  /** An agent by id, email (any case) or employee id. */
  findAgent(tenantId: string, ref: string): Promise<Agent | null>;
  findFlowByDevName(tenantId: string, devName: string): Promise<Flow | null>;
  /** A flow version by its id alone (versions are immutable, so callers may cache it). */
  getFlowVersionById(tenantId: string, versionId: string): Promise<FlowVersion | null>;

  /** Channels of one type, for interactions that arrive on an address no entry point has. */
  listChannelsOfType(tenantId: string, type: Channel['type']): Promise<Channel[]>;
  listEntryPointsOfChannel(tenantId: string, channelId: string): Promise<EntryPoint[]>;
  findEntryPointByAddress(tenantId: string, channelType: Channel['type'], address: string): Promise<EntryPoint | null>;

  listExceptions(tenantId: string, channelId: string): Promise<EntryPointException[]>;
  getException(tenantId: string, entryPointId: string): Promise<EntryPointException | null>;
  /** Throws EXCEPTION_EXISTS when the entry point already has one. */
  insertException(exception: EntryPointException): Promise<void>;
  updateException(exception: EntryPointException): Promise<boolean>;
  deleteException(tenantId: string, entryPointId: string): Promise<boolean>;
  /** Replaces the channel (its defaults) and all of its exceptions at once. */
  replaceEntryPointSettings(channel: Channel, exceptions: EntryPointException[]): Promise<void>;

  /** Creates a flow version; when `activate` is set the flow's active version moves to it in the same transaction. */
  insertFlowVersion(version: FlowVersion, activate: { flow: Flow } | null): Promise<void>;
  getFlowVersion(tenantId: string, flowId: string, versionId: string): Promise<FlowVersion | null>;
  listFlowVersions(tenantId: string, flowId: string, page: PageRequest): Promise<Page<FlowVersion>>;
  /** Ids of every version of the flow, for validation and dispatch. */
  flowVersionIds(tenantId: string, flowId: string): Promise<Set<string>>;
  nextFlowVersionNumber(tenantId: string, flowId: string): Promise<number>;

  /**
   * The active mappings of these tenants that can match an interaction with these field values:
   * channel type equal or `any`, and the mapping's field equal to the interaction's value for it.
   * Found through the active-key index, so dispatch does not read every mapping of the tenant.
   */
  findDispatchCandidates(
    tenantIds: readonly string[],
    key: { channelType: string; values: Partial<Record<'customer' | 'contact-point' | 'source' | 'direction', string>> },
  ): Promise<DispatchMapping[]>;
  /** The (channel type, field) pairs that active mappings of these tenants key on, as `channelType/field`. */
  dispatchKeysInUse(tenantIds: readonly string[]): Promise<Set<string>>;
  /** Whether an active mapping of the tenant targets the flow. */
  isFlowDispatched(tenantId: string, flowId: string): Promise<boolean>;
  /** Mappings of these tenants (own and ancestors) page by page, ordered by id. */
  listDispatchMappingsOf(tenantIds: readonly string[], page: PageRequest): Promise<Page<DispatchMapping>>;

  /**
   * Stores a new interaction and its first events, and returns those with their sequence numbers.
   * With an idempotency key, a second call with the same (tenant, key) stores nothing and returns the
   * id stored first with its request hash.
   */
  createInteraction(
    change: InteractionChange,
    idempotency: { key: string; requestHash: string } | null,
  ): Promise<{ created: true; events: InteractionEvent[] } | { created: false; interactionId: string; requestHash: string }>;
  findInteractionByIdempotencyKey(tenantId: string, key: string): Promise<{ interactionId: string; requestHash: string } | null>;
  getInteraction(tenantId: string, id: string): Promise<Interaction | null>;
  listInteractions(tenantId: string, filter: InteractionFilter, page: PageRequest): Promise<Page<Interaction>>;
  /** A customer's latest interactions, newest first. */
  latestInteractionsOf(tenantId: string, customer: string, limit: number): Promise<Interaction[]>;
  /**
   * Saves interactions and appends their events in one transaction (a transfer closes one and opens
   * another). An interaction with revision 1 is inserted; a later revision is saved only if the
   * stored one is the revision before it (optimistic concurrency). False, and nothing saved, when
   * someone else changed one of them first.
   */
  saveInteractions(changes: InteractionChange[]): Promise<boolean>;
  /** The interaction's conversation, in the order its messages arrived. */
  listConversation(tenantId: string, interactionId: string, page: PageRequest): Promise<Page<ConversationMessage>>;
  getConversationMessage(tenantId: string, id: string): Promise<ConversationMessage | null>;
  /** The newest message of the tenant with this provider message id (a status update names it so). */
  findMessageByExternalId(tenantId: string, externalId: string): Promise<ConversationMessage | null>;
  /** The newest interaction of a conversation thread (see conversationThread), open or not. */
  findLatestInThread(tenantId: string, thread: string): Promise<Interaction | null>;
  /** Pending outbox items of every tenant, in the order they were added (at start, and after a failure). */
  listPendingOutbox(limit: number, tenantId?: string): Promise<OutboxItem[]>;
  /** Another attempt later: what the last one met, and when to try again. */
  retryOutbox(id: string, attempts: number, nextAttemptAt: string, lastError: string): Promise<void>;
  /** Credentials of a channel's provider: stored apart from the channel, never returned by the API. */
  setChannelSecrets(tenantId: string, channelId: string, secrets: Record<string, string>): Promise<void>;
  getChannelSecrets(tenantId: string, channelId: string): Promise<Record<string, string>>;
  /** An integration's export secret or access token: stored apart from it, never returned by the API. */
  setIntegrationSecrets(tenantId: string, integrationId: string, secrets: Record<string, string>): Promise<void>;
  getIntegrationSecrets(tenantId: string, integrationId: string): Promise<Record<string, string>>;
  getCallExport(tenantId: string, id: string): Promise<CallExport | null>;
  /** The tenant's call exports in creation order, or one call's. */
  listCallExports(tenantId: string, filter: { interactionId?: string }, page: PageRequest): Promise<Page<CallExport>>;
  /** Saves what became of an export's delivery, settling its outbox item in the same transaction when given. */
  recordCallExport(record: CallExport, settlement: OutboxSettlement | null): Promise<void>;
  /** Adds a web UI user; a user with the same email anywhere is a DUPLICATE_USER_EMAIL conflict. */
  createUser(user: User): Promise<void>;
  getUser(tenantId: string, id: string): Promise<User | null>;
  listUsers(tenantId: string, page: PageRequest): Promise<Page<User>>;
  /** Replaces the user (not its password); false when it does not exist; an email taken is a conflict. */
  updateUser(user: User): Promise<boolean>;
  /** Deletes the user, their invitations and sessions. */
  deleteUser(tenantId: string, id: string): Promise<boolean>;
  findUserByEmail(email: string): Promise<{ user: User; passwordHash: string | null } | null>;
  /** Sets the user's password hash; their sessions end. */
  setUserPassword(user: User, passwordHash: string): Promise<void>;
  createInvitation(tokenHash: string, userId: string, expiresAt: string): Promise<void>;
  /** Uses an invitation up: the user it is for, or null when unknown, used or expired. */
  takeInvitation(tokenHash: string, now: string): Promise<User | null>;
  createSession(idHash: string, session: WebSession): Promise<void>;
  /** The session of a cookie's hash, unless it expired. */
  findSession(idHash: string, now: string): Promise<WebSession | null>;
  deleteSession(idHash: string, now: string): Promise<void>;
  /** The times (ascending) of each key's failed sign-ins since `since` (shared by every node of a cluster). */
  recentSignInFailures(keys: readonly string[], since: string): Promise<Record<string, string[]>>;
  /** Counts a failed sign-in under each key; failures at or before `forgetBefore` are deleted. */
  recordSignInFailure(keys: readonly string[], at: string, forgetBefore: string): Promise<void>;
  /** Which of these provider message ids the interaction's conversation already has. */
  findConversationExternalIds(tenantId: string, interactionId: string, externalIds: readonly string[]): Promise<string[]>;
  /** Every stored timer, soonest first: what the timer service arms when the server starts. */
  /** The stored timers (of one tenant, when given). */
  listTimers(tenantId?: string): Promise<StoredTimer[]>;
  /** Drops timer rows that fired with nothing left to do. */
  deleteTimers(ids: readonly string[]): Promise<void>;
  /** Interactions of the tenant in these states (the router's view is rebuilt from them). */
  listInteractionsInStates(tenantId: string, states: readonly InteractionState[]): Promise<Interaction[]>;

  /** The tenant's events after a sequence number, in order: the event feed and webhook deliveries read it. */
  listEvents(tenantId: string, afterSeq: number, limit: number, types?: readonly string[]): Promise<InteractionEvent[]>;
  /** The sequence number of the tenant's newest event (0 when none). */
  latestEventSeq(tenantId: string): Promise<number>;
  /** Events of these types since a time (queue statistics read the last window). */
  listEventsSince(tenantId: string, types: readonly string[], since: string): Promise<InteractionEvent[]>;

  /** Webhooks: the signing secret is stored with them (it is needed to sign) and only returned here. */
  readonly webhooks: ResourceTable<Webhook>;
  createWebhook(webhook: Webhook, secret: string): Promise<void>;
  webhookSecret(tenantId: string, webhookId: string): Promise<string | null>;
  /** Tenants that have webhooks (the dispatcher visits them at start). */
  tenantsWithWebhooks(): Promise<string[]>;

  /** Agent tokens: stored by the hash of their secret, like API keys. */
  createAgentToken(token: AgentToken, secretHash: string): Promise<void>;
  findActiveAgentToken(secretHash: string): Promise<AgentToken | null>;
  listAgentTokens(tenantId: string, agentId: string): Promise<AgentToken[]>;
  revokeAgentToken(tenantId: string, agentId: string, tokenId: string, at: string): Promise<boolean>;
  listInteractionEvents(tenantId: string, interactionId: string): Promise<InteractionEvent[]>;
  /** Waiting work of a queue in routing order: priority, then due date, then enqueue time. */
  listQueueWaiting(
    tenantId: string,
    queueId: string,
    page: { limit: number; includeNoReplyNeeded: boolean },
  ): Promise<Interaction[]>;

  /** Call centers of the telephony API; apiName is unique per tenant. */
  readonly callCenters: ResourceTable<CallCenter>;
  /** The call centers whose issuer (orgId) and subject (apiName) a token names, in every tenant. */
  findCallCentersByIssuer(orgId: string, apiName: string): Promise<CallCenter[]>;
  /** Routing maps: externalId unique per call center, one map per agent or queue per call center. */
  readonly routingMaps: ResourceTable<RoutingMap>;
  listRoutingMaps(tenantId: string, callCenterId: string, page: PageRequest): Promise<Page<RoutingMap>>;
  findRoutingMap(
    callCenterId: string,
    referenceType: RoutingMap['referenceType'],
    referenceId: string,
  ): Promise<RoutingMap | null>;
  /** The routing map of the call center with this provider id (of an agent or a queue). */
  findRoutingMapByExternalId(callCenterId: string, externalId: string): Promise<RoutingMap | null>;
  /** A voice call of the call center by our id or the provider's call key (the newest record with it). */
  findVoiceCall(tenantId: string, callCenterId: string, callId: string): Promise<Interaction | null>;
  /** Records a token id (jti) until it expires; false when the call center has seen it before. */
  recordTokenId(callCenterId: string, jti: string, expiresAt: string, now: string): Promise<boolean>;

  close(): Promise<void>;
}
