import { CompiledQuery, sql } from 'kysely';
import { type ApiError, AppError, apiError } from '../../core/errors.js';
import type { CallExport, Integration } from '../../core/integrations.js';
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
} from '../../core/model.js';
import { conversationThread } from '../../core/model.js';
import type { User, WebSession } from '../../core/users.js';
import type { InteractionChange, InteractionFilter, ResourceTable, Store } from '../store.js';
import {
  getCallExport,
  getIntegrationSecrets,
  insertCallExports,
  listCallExports,
  recordCallExport,
  setIntegrationSecrets,
} from './call-exports.js';
import { findExternalIds, findMessageByExternalId, getMessage, listConversation, saveMessages } from './conversations.js';
import { type Db, docs, paged, parse, type Row, readDoc, type Tx } from './documents.js';
import * as exceptions from './entry-point-exceptions.js';
import { listPendingOutbox, retryOutbox, writeOutbox } from './outbox.js';
import { migrations, type SqlDialectName } from './schema.js';
import * as users from './users.js';

/** How a driver recognises constraint violations in its own errors. */
export type ConstraintKind = 'unique' | 'foreign-key' | null;

export interface SqlStoreConfig {
  dialect: SqlDialectName;
  db: Db;
  classifyError: (error: unknown) => ConstraintKind;
  /** Store.committed(); when absent, every operation is durable when it resolves. */
  committed?: () => Promise<void>;
  /** Releases the driver's connections. */
  destroy: () => Promise<void>;
}

/** An arbitrary constant naming Switchboard's migration lock among PostgreSQL advisory locks. */
const migrationLockKey = 7_406_311_001;
/** The class of the per-tenant event-ordering locks (the second key is a hash of the tenant id). */
const eventLockClass = 7406;

const openStates: InteractionState[] = ['created', 'dispatched', 'in_flow', 'queued', 'offered', 'connected', 'wrap_up'];

/** PostgreSQL numbers its placeholders ($1, $2…); the hot-path statements are written with SQLite's `?`. */
function numberedPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * An interaction as its row stores it: the document, and the fields queries and checks use. The
 * SQLite store thread is sent this form, serialised by the thread that made the change.
 */
export interface InteractionRow {
  id: string;
  tenantId: string;
  state: Interaction['state'];
  queueId: string | null;
  priority: number;
  dueAt: string | null;
  enqueuedAt: string | null;
  noReplyNeeded: boolean;
  revision: number;
  voiceCall: { callCenterId: string; vendorCallKey: string } | null;
  threadKey: string | null;
  customer: string | null;
  createdAt: string;
  doc: string;
}

/** An InteractionChange with the interaction as its row; events may carry their sequence numbers. */
export interface InteractionRowChange extends Omit<InteractionChange, 'interaction' | 'events'> {
  row: InteractionRow;
  events: (Omit<InteractionEvent, 'seq'> & { seq?: number })[];
  /**
   * The revision the change applies on top of; 0 inserts the interaction. The one before
   * `row.revision` unless given: the SQLite store thread's caller folds consecutive changes of one
   * interaction into one, which then spans several revisions.
   */
  replaces?: number;
}

export function interactionRowChange({
  interaction,
  events,
  timers,
  messages,
  outbox,
  settle,
  callExports,
}: InteractionChange): InteractionRowChange {
  const { id, tenantId, state, queueId, priority, dueAt, enqueuedAt, noReplyNeeded, revision, voiceCall } = interaction;
  return {
    row: {
      id,
      tenantId,
      state,
      queueId,
      priority,
      dueAt,
      enqueuedAt,
      noReplyNeeded,
      revision,
      voiceCall: voiceCall ? { callCenterId: voiceCall.callCenterId, vendorCallKey: voiceCall.vendorCallKey } : null,
      threadKey: conversationThread(interaction),
      customer: interaction.customer,
      createdAt: interaction.createdAt,
      doc: JSON.stringify(interaction),
    },
    events,
    ...(timers ? { timers } : {}),
    ...(messages && messages.length > 0 ? { messages } : {}),
    ...(outbox && outbox.length > 0 ? { outbox } : {}),
    ...(settle && settle.length > 0 ? { settle } : {}),
    ...(callExports && callExports.length > 0 ? { callExports } : {}),
  };
}

/** The interaction columns every save writes, in the order of interactionValues. */
const interactionColumns = [
  'state',
  'queue_id',
  'priority',
  'due_at',
  'enqueued_at',
  'no_reply_needed',
  'revision',
  'thread_key',
  'customer',
  'created_at',
  'doc',
];

function interactionValues(row: InteractionRow): unknown[] {
  return [
    row.state,
    row.queueId,
    row.priority,
    row.dueAt,
    row.enqueuedAt,
    row.noReplyNeeded ? 1 : 0,
    row.revision,
    row.threadKey,
    row.customer,
    row.createdAt,
    row.doc,
  ];
}
const insertInteraction = `INSERT INTO interactions (id, tenant_id, ${interactionColumns.join(', ')}) VALUES (${['id', 'tenant_id', ...interactionColumns].map(() => '?').join(', ')})`;
const updateInteraction = `UPDATE interactions SET ${interactionColumns.map((column) => `${column} = ?`).join(', ')} WHERE id = ? AND tenant_id = ? AND revision = ?`;

/**
 * Thrown inside a save's transaction to roll it back when a revision is stale. One shared value, not
 * an Error: a stale save is an expected outcome, and an Error would capture a stack trace every time.
 */
const staleRevision = Symbol('stale revision');

interface TableSpec<T> {
  table: string;
  /** Columns other than id, tenant_id and doc. */
  columns: (item: T) => Row;
  conflict?: ApiError;
  inUse?: ApiError;
  /** Checks that the database cannot express as a foreign key; throws an AppError to refuse. */
  beforeRemove?: (trx: Tx, tenantId: string, id: string) => Promise<void>;
  /** Rows of another table that belong to the object, rewritten with it in the same transaction. */
  owned?: {
    write: (trx: Tx, item: T) => Promise<void>;
    remove: (trx: Tx, tenantId: string, id: string) => Promise<void>;
  };
}

/**
 * Applies the migrations not yet applied, each in its own transaction. On PostgreSQL several
 * Switchboard processes may start at once: a transaction-scoped advisory lock makes them take turns,
 * and each checks again, under the lock, whether the migration is still to be done.
 */
export async function migrate(db: Db, dialect: SqlDialectName): Promise<void> {
  // One connection throughout: a PostgreSQL advisory lock belongs to the session that took it.
  await db.connection().execute(async (conn) => {
    if (dialect === 'postgres') await sql`SELECT pg_advisory_lock(${migrationLockKey})`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`.execute(conn);
      for (const migration of migrations) {
        await conn.transaction().execute(async (trx) => {
          const done = await trx.selectFrom('schema_migrations').select('id').where('id', '=', migration.id).executeTakeFirst();
          if (done) return;
          for (const statement of migration.statements(dialect)) await sql.raw(statement).execute(trx);
          await trx.insertInto('schema_migrations').values({ id: migration.id, applied_at: new Date().toISOString() }).execute();
        });
      }
    } finally {
      if (dialect === 'postgres') await sql`SELECT pg_advisory_unlock(${migrationLockKey})`.execute(conn);
    }
  });
}

/**
 * The Store over SQL through Kysely, shared by the SQLite and PostgreSQL drivers: they differ only
 * in how they connect, the DDL of an auto-increment column and how their errors name a violation.
 */
export class SqlStore implements Store {
  readonly driver: SqlDialectName;
  readonly queues: ResourceTable<Queue>;
  readonly channels: ResourceTable<Channel>;
  readonly entryPoints: ResourceTable<EntryPoint>;
  readonly integrations: ResourceTable<Integration>;
  readonly standardResponses: ResourceTable<StandardResponse>;
  readonly flows: ResourceTable<Flow>;
  readonly dispatchMappings: ResourceTable<DispatchMapping>;
  readonly agents: ResourceTable<Agent>;
  readonly contacts: ResourceTable<Contact>;
  readonly webhooks: ResourceTable<Webhook>;
  readonly callCenters: ResourceTable<CallCenter>;
  readonly routingMaps: ResourceTable<RoutingMap>;
  private readonly db: Db;
  private readonly classify: (error: unknown) => ConstraintKind;
  private readonly destroy: () => Promise<void>;
  readonly committed: () => Promise<void>;
  private readonly statementTexts = new Map<string, string>();

  /**
   * Cluster fencing (src/cluster/): run inside each transaction that writes a tenant's interactions or
   * configuration, it throws when this node no longer holds the tenant's lease, so the transaction rolls
   * back. Null on a single node.
   */
  private fence: ((trx: Tx, tenantId: string) => Promise<void>) | null = null;

  /** Installs the cluster's fencing check (see `fence`). */
  fenceWrites(fence: (trx: Tx, tenantId: string) => Promise<void>): void {
    this.fence = fence;
  }

  constructor(config: SqlStoreConfig) {
    this.driver = config.dialect;
    this.db = config.db;
    this.classify = config.classifyError;
    this.destroy = config.destroy;
    this.committed = config.committed ?? (() => Promise.resolve());
    this.queues = this.table<Queue>({
      table: 'queues',
      columns: (q) => ({ dev_name: q.devName }),
      conflict: apiError('DUPLICATE_DEV_NAME', 'Another queue of the tenant has this devName.', 'devName'),
      inUse: apiError(
        'QUEUE_IN_USE',
        'The queue is a channel default, an entry-point exception target, or a flow or entry-point fallback; change those first.',
      ),
      beforeRemove: async (trx, tenantId, id) => {
        const waiting = await trx
          .selectFrom('interactions')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('queue_id', '=', id)
          .where('state', 'in', openStates)
          .limit(1)
          .execute();
        if (waiting.length > 0) {
          throw new AppError(apiError('QUEUE_IN_USE', 'Open interactions are still in this queue; transfer them first.'));
        }
      },
    });
    this.channels = this.table<Channel>({
      table: 'channels',
      columns: (c) => ({ type: c.type, default_queue_id: c.defaultQueueId }),
      inUse: apiError('CHANNEL_IN_USE', 'The channel still has entry points; delete them first.'),
      // Its provider's credentials go with it (kept apart so that no read of a channel carries them).
      beforeRemove: async (trx, tenantId, id) => {
        await trx.deleteFrom('channel_secrets').where('tenant_id', '=', tenantId).where('channel_id', '=', id).execute();
      },
    });
    this.entryPoints = this.table<EntryPoint>({
      table: 'entry_points',
      columns: (e) => ({
        channel_id: e.channelId,
        channel_type: e.channelType,
        address: e.address,
        flow_id: e.flowId ?? null,
        fallback_queue_id: e.fallbackQueueId ?? null,
      }),
      conflict: apiError('DUPLICATE_ENTRY_POINT', 'Another entry point of this channel type has this address.', 'address'),
    });
    this.standardResponses = this.table<StandardResponse>({
      table: 'standard_responses',
      columns: (r) => ({ name: r.name }),
      conflict: apiError('DUPLICATE_STANDARD_RESPONSE', 'Another standard response of the tenant has this name.', 'name'),
    });
    this.integrations = this.table<Integration>({
      table: 'integrations',
      columns: (i) => ({ type: i.type }),
      beforeRemove: async (trx, tenantId, id) => {
        const integration = parse<Integration>(
          await trx
            .selectFrom('integrations')
            .select('doc')
            .where('id', '=', id)
            .where('tenant_id', '=', tenantId)
            .executeTakeFirst(),
        );
        if (!integration) return;
        const sameType = await trx
          .selectFrom('integrations')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('type', '=', integration.type)
          .where('id', '!=', id)
          .limit(1)
          .execute();
        const names = sameType.length > 0 ? [id] : [id, integration.type];
        const used = await trx
          .selectFrom('dispatch_mappings')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('interaction_field', '=', 'source')
          .where('value', 'in', names)
          .limit(1)
          .execute();
        if (used.length > 0) {
          throw new AppError(apiError('INTEGRATION_IN_USE', 'A source dispatch mapping names this integration.'));
        }
        await trx.deleteFrom('integration_secrets').where('tenant_id', '=', tenantId).where('integration_id', '=', id).execute();
      },
    });
    this.flows = this.table<Flow>({
      table: 'flows',
      columns: (f) => ({ dev_name: f.devName, fallback_queue_id: f.fallbackQueueId }),
      conflict: apiError('DUPLICATE_DEV_NAME', 'Another flow of the tenant has this devName.', 'devName'),
      inUse: apiError('FLOW_IN_USE', 'Dispatch mappings or voice entry points still point at this flow.'),
    });
    this.agents = this.table<Agent>({
      table: 'agents',
      columns: (a) => ({ email: a.email, employee_id: a.employeeId }),
      conflict: apiError('DUPLICATE_AGENT_EMAIL', 'Another agent of the tenant has this email or employee id.', 'email'),
      // Contacts that prefer the agent keep no dangling reference: their favourite is cleared.
      beforeRemove: async (trx, tenantId, id) => {
        const rows = await trx
          .selectFrom('contacts')
          .select('doc')
          .where('tenant_id', '=', tenantId)
          .where('favorite_agent_id', '=', id)
          .execute();
        for (const contact of docs<Contact>(rows)) {
          await trx
            .updateTable('contacts')
            .set({ favorite_agent_id: null, doc: JSON.stringify({ ...contact, favoriteAgentId: null }) })
            .where('id', '=', contact.id)
            .execute();
        }
      },
    });
    this.contacts = this.table<Contact>({
      table: 'contacts',
      columns: (c) => ({ favorite_agent_id: c.favoriteAgentId }),
      conflict: apiError(
        'DUPLICATE_CONTACT_ADDRESS',
        'Another contact of the tenant already has one of these phone numbers or email addresses.',
        'phoneNumbers',
      ),
      // The only reference a contact makes: its favourite agent, deleted after the service checked it.
      inUse: apiError('AGENT_NOT_FOUND', 'The favourite agent no longer exists in this tenant.', 'favoriteAgentId'),
      owned: {
        write: async (trx, contact) => {
          const addresses = [...contact.phoneNumbers, ...contact.emailAddresses];
          if (addresses.length === 0) return;
          await trx
            .insertInto('contact_addresses')
            .values(addresses.map((address) => ({ tenant_id: contact.tenantId, address, contact_id: contact.id })))
            .execute();
        },
        remove: async (trx, tenantId, id) => {
          await trx.deleteFrom('contact_addresses').where('tenant_id', '=', tenantId).where('contact_id', '=', id).execute();
        },
      },
    });
    // Created by createWebhook (with its secret); the table methods read, update and delete them.
    this.webhooks = this.table<Webhook>({ table: 'webhooks', columns: () => ({}) });
    this.dispatchMappings = this.table<DispatchMapping>({
      table: 'dispatch_mappings',
      columns: (m) => ({
        flow_id: m.flowId,
        version: m.version,
        channel_type: m.channelType,
        interaction_field: m.interactionField,
        value: m.value,
        active: m.active ? 1 : 0,
      }),
      conflict: apiError(
        'DUPLICATE_DISPATCH_MAPPING',
        'Another active mapping has the same channelType, interactionField and value.',
        'value',
      ),
    });
    this.callCenters = this.table<CallCenter>({
      table: 'call_centers',
      columns: (c) => ({ api_name: c.apiName, org_id: c.orgId }),
      conflict: apiError('DUPLICATE_CALL_CENTER', 'Another call center of the tenant already has this apiName.', 'apiName'),
      inUse: apiError('CALL_CENTER_IN_USE', 'The call center still has routing maps or voice calls.'),
    });
    this.routingMaps = this.table<RoutingMap>({
      table: 'routing_maps',
      columns: (m) => ({
        call_center_id: m.callCenterId,
        reference_type: m.referenceType,
        reference_id: m.referenceId,
        external_id: m.externalId,
      }),
      conflict: apiError(
        'DUPLICATE_ROUTING_MAP',
        'The call center already maps this externalId, or this agent or queue, in another routing map.',
        'externalId',
      ),
    });
  }

  async findContactByAddress(tenantId: string, address: string): Promise<Contact | null> {
    return parse<Contact>(
      await this.db
        .selectFrom('contact_addresses')
        .innerJoin('contacts', 'contacts.id', 'contact_addresses.contact_id')
        .select('contacts.doc')
        .where('contact_addresses.tenant_id', '=', tenantId)
        .where('contact_addresses.address', '=', address)
        .executeTakeFirst(),
    );
  }

  async findCallCentersByIssuer(orgId: string, apiName: string): Promise<CallCenter[]> {
    return docs<CallCenter>(
      await this.db
        .selectFrom('call_centers')
        .select('doc')
        .where('org_id', '=', orgId)
        .where('api_name', '=', apiName)
        .orderBy('id')
        .execute(),
    );
  }

  async listRoutingMaps(tenantId: string, callCenterId: string, page: PageRequest): Promise<Page<RoutingMap>> {
    const query = this.db
      .selectFrom('routing_maps')
      .select(['id', 'doc'])
      .where('tenant_id', '=', tenantId)
      .where('call_center_id', '=', callCenterId);
    return paged<RoutingMap>(query, page);
  }

  async findRoutingMap(
    callCenterId: string,
    referenceType: RoutingMap['referenceType'],
    referenceId: string,
  ): Promise<RoutingMap | null> {
    return parse<RoutingMap>(
      await this.db
        .selectFrom('routing_maps')
        .select('doc')
        .where('call_center_id', '=', callCenterId)
        .where('reference_type', '=', referenceType)
        .where('reference_id', '=', referenceId)
        .executeTakeFirst(),
    );
  }

  async findRoutingMapByExternalId(callCenterId: string, externalId: string): Promise<RoutingMap | null> {
    return parse<RoutingMap>(
      await this.db
        .selectFrom('routing_maps')
        .select('doc')
        .where('call_center_id', '=', callCenterId)
        .where('external_id', '=', externalId)
        .executeTakeFirst(),
    );
  }

  listConversation(tenantId: string, interactionId: string, page: PageRequest): Promise<Page<ConversationMessage>> {
    return listConversation(this.db, tenantId, interactionId, page);
  }

  findConversationExternalIds(tenantId: string, interactionId: string, externalIds: readonly string[]): Promise<string[]> {
    return findExternalIds(this.db, tenantId, interactionId, externalIds);
  }

  getConversationMessage(tenantId: string, id: string): Promise<ConversationMessage | null> {
    return getMessage(this.db, tenantId, id);
  }

  findMessageByExternalId(tenantId: string, externalId: string): Promise<ConversationMessage | null> {
    return findMessageByExternalId(this.db, tenantId, externalId);
  }

  async findLatestInThread(tenantId: string, thread: string): Promise<Interaction | null> {
    return parse<Interaction>(
      await this.db
        .selectFrom('interactions')
        .select('doc')
        .where('tenant_id', '=', tenantId)
        .where('thread_key', '=', thread)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
    );
  }

  listPendingOutbox(limit: number, tenantId?: string): Promise<OutboxItem[]> {
    return listPendingOutbox(this.db, limit, tenantId);
  }

  retryOutbox(id: string, attempts: number, nextAttemptAt: string, lastError: string): Promise<void> {
    return retryOutbox(this.db, id, attempts, nextAttemptAt, lastError, this.fence ?? undefined);
  }

  setIntegrationSecrets(tenantId: string, integrationId: string, secrets: Record<string, string>): Promise<void> {
    return setIntegrationSecrets(this.db, tenantId, integrationId, secrets);
  }

  getIntegrationSecrets(tenantId: string, integrationId: string): Promise<Record<string, string>> {
    return getIntegrationSecrets(this.db, tenantId, integrationId);
  }

  getCallExport(tenantId: string, id: string): Promise<CallExport | null> {
    return getCallExport(this.db, tenantId, id);
  }

  listCallExports(tenantId: string, filter: { interactionId?: string }, page: PageRequest): Promise<Page<CallExport>> {
    return listCallExports(this.db, tenantId, filter, page);
  }

  recordCallExport(record: CallExport, settlement: OutboxSettlement | null): Promise<void> {
    return recordCallExport(this.db, record, settlement, this.fence ?? undefined);
  }

  private emailTaken = () =>
    apiError('DUPLICATE_USER_EMAIL', 'A user with this email exists (a person signs in to one tenant).', 'email');

  createUser(user: User): Promise<void> {
    return this.tx((trx) => users.insertUser(trx, user), { conflict: this.emailTaken() });
  }

  getUser(tenantId: string, id: string): Promise<User | null> {
    return users.getUser(this.db, tenantId, id);
  }

  listUsers(tenantId: string, page: PageRequest): Promise<Page<User>> {
    return users.listUsers(this.db, tenantId, page);
  }

  updateUser(user: User): Promise<boolean> {
    return this.tx((trx) => users.updateUser(trx, user), { conflict: this.emailTaken() });
  }

  deleteUser(tenantId: string, id: string): Promise<boolean> {
    return users.deleteUser(this.db, tenantId, id);
  }

  findUserByEmail(email: string): Promise<{ user: User; passwordHash: string | null } | null> {
    return users.findUserByEmail(this.db, email);
  }

  setUserPassword(user: User, passwordHash: string): Promise<void> {
    return users.setUserPassword(this.db, user, passwordHash);
  }

  createInvitation(tokenHash: string, userId: string, expiresAt: string): Promise<void> {
    return users.insertInvitation(this.db, tokenHash, userId, expiresAt);
  }

  takeInvitation(tokenHash: string, now: string): Promise<User | null> {
    return users.takeInvitation(this.db, tokenHash, now);
  }

  createSession(idHash: string, session: WebSession): Promise<void> {
    return users.insertSession(this.db, idHash, session);
  }

  findSession(idHash: string, now: string): Promise<WebSession | null> {
    return users.findSession(this.db, idHash, now);
  }

  recentSignInFailures(keys: readonly string[], since: string): Promise<Record<string, string[]>> {
    return users.recentSignInFailures(this.db, keys, since);
  }

  recordSignInFailure(keys: readonly string[], at: string, forgetBefore: string): Promise<void> {
    return users.recordSignInFailure(this.db, keys, at, forgetBefore);
  }

  deleteSession(idHash: string, now: string): Promise<void> {
    return users.deleteSession(this.db, idHash, now);
  }

  async setChannelSecrets(tenantId: string, channelId: string, secrets: Record<string, string>): Promise<void> {
    const doc = JSON.stringify(secrets);
    await this.db
      .insertInto('channel_secrets')
      .values({ channel_id: channelId, tenant_id: tenantId, doc })
      .onConflict((oc) => oc.column('channel_id').doUpdateSet({ doc }))
      .execute();
  }

  async getChannelSecrets(tenantId: string, channelId: string): Promise<Record<string, string>> {
    const row = await this.db
      .selectFrom('channel_secrets')
      .select('doc')
      .where('channel_id', '=', channelId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row ? (JSON.parse(String((row as Row).doc)) as Record<string, string>) : {};
  }

  async findVoiceCall(tenantId: string, callCenterId: string, callId: string): Promise<Interaction | null> {
    // Our id first; otherwise the provider's key, whose newest record wins (a transfer reuses it).
    const row = await this.db
      .selectFrom('voice_calls')
      .select('interaction_id')
      .where('tenant_id', '=', tenantId)
      .where('call_center_id', '=', callCenterId)
      .where((eb) => eb.or([eb('interaction_id', '=', callId), eb('vendor_call_key', '=', callId)]))
      .orderBy(sql`CASE WHEN interaction_id = ${callId} THEN 0 ELSE 1 END`)
      .orderBy('interaction_id', 'desc')
      .executeTakeFirst();
    return row ? this.getInteraction(tenantId, String((row as Row).interaction_id)) : null;
  }

  async recordTokenId(callCenterId: string, jti: string, expiresAt: string, now: string): Promise<boolean> {
    try {
      await this.tx(async (trx) => {
        // Ids whose tokens have expired can never be replayed: forget them as new ones arrive.
        await trx.deleteFrom('token_ids').where('expires_at', '<', now).execute();
        await trx.insertInto('token_ids').values({ call_center_id: callCenterId, jti, expires_at: expiresAt }).execute();
      });
      return true;
    } catch (error) {
      if (this.classify(error) === 'unique') return false;
      throw error;
    }
  }

  async findQueue(tenantId: string, ref: string): Promise<Queue | null> {
    return parse<Queue>(
      await this.db
        .selectFrom('queues')
        .select('doc')
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb.or([eb('id', '=', ref), eb('dev_name', '=', ref)]))
        .orderBy('id')
        .executeTakeFirst(),
    );
  }

  async findAgent(tenantId: string, ref: string): Promise<Agent | null> {
    return parse<Agent>(
      await this.db
        .selectFrom('agents')
        .select('doc')
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb.or([eb('id', '=', ref), eb('email', '=', ref.trim().toLowerCase()), eb('employee_id', '=', ref)]))
        .orderBy('id')
        .executeTakeFirst(),
    );
  }

  async findFlowByDevName(tenantId: string, devName: string): Promise<Flow | null> {
    return parse<Flow>(
      await this.db
        .selectFrom('flows')
        .select('doc')
        .where('tenant_id', '=', tenantId)
        .where('dev_name', '=', devName)
        .executeTakeFirst(),
    );
  }

  async getFlowVersionById(tenantId: string, versionId: string): Promise<FlowVersion | null> {
    return parse<FlowVersion>(
      await this.db
        .selectFrom('flow_versions')
        .select('doc')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', versionId)
        .executeTakeFirst(),
    );
  }

  /** Runs fn in a transaction and turns constraint violations into the caller's domain errors. */
  private async tx<T>(fn: (trx: Tx) => Promise<T>, errors: { conflict?: ApiError; inUse?: ApiError } = {}): Promise<T> {
    try {
      return await this.db.transaction().execute(fn);
    } catch (error) {
      const kind = this.classify(error);
      if (kind === 'unique' && errors.conflict) throw new AppError(errors.conflict);
      if (kind === 'foreign-key' && errors.inUse) throw new AppError(errors.inUse);
      throw error;
    }
  }

  private table<T extends { id: string; tenantId: string }>(spec: TableSpec<T>): ResourceTable<T> {
    const { table } = spec;
    const errors = { conflict: spec.conflict, inUse: spec.inUse };
    return {
      insert: (item) =>
        this.tx(async (trx) => {
          await this.fence?.(trx, item.tenantId);
          await trx
            .insertInto(table)
            .values({ id: item.id, tenant_id: item.tenantId, ...spec.columns(item), doc: JSON.stringify(item) })
            .execute();
          await spec.owned?.write(trx, item);
        }, errors),
      get: async (tenantId, id) =>
        parse<T>(
          await this.db.selectFrom(table).select('doc').where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst(),
        ),
      list: async (tenantId, page) => {
        const query = this.db.selectFrom(table).select(['id', 'doc']).where('tenant_id', '=', tenantId);
        return paged<T>(query, page);
      },
      update: (item) =>
        this.tx(async (trx) => {
          await this.fence?.(trx, item.tenantId);
          const result = await trx
            .updateTable(table)
            .set({ ...spec.columns(item), doc: JSON.stringify(item) })
            .where('id', '=', item.id)
            .where('tenant_id', '=', item.tenantId)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) === 0) return false;
          if (spec.owned) {
            await spec.owned.remove(trx, item.tenantId, item.id);
            await spec.owned.write(trx, item);
          }
          return true;
        }, errors),
      remove: (tenantId, id) =>
        this.tx(async (trx) => {
          await this.fence?.(trx, tenantId);
          await spec.beforeRemove?.(trx, tenantId, id);
          await spec.owned?.remove(trx, tenantId, id);
          const result = await trx.deleteFrom(table).where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
          return Number(result.numDeletedRows) > 0;
        }, errors),
    };
  }

  async createTenant(tenant: Tenant): Promise<void> {
    await this.db
      .insertInto('tenants')
      .values({ id: tenant.id, parent_tenant_id: tenant.parentTenantId, doc: JSON.stringify(tenant) })
      .execute();
  }

  async getTenant(id: string): Promise<Tenant | null> {
    return parse<Tenant>(await this.db.selectFrom('tenants').select('doc').where('id', '=', id).executeTakeFirst());
  }

  async listTenants(page: PageRequest): Promise<Page<Tenant>> {
    const query = this.db.selectFrom('tenants').select(['id', 'doc']);
    return paged<Tenant>(query, page);
  }

  async updateTenant(tenant: Tenant): Promise<boolean> {
    const result = await this.db
      .updateTable('tenants')
      .set({ doc: JSON.stringify(tenant) })
      .where('id', '=', tenant.id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async createApiKey(key: ApiKey, secretHash: string): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({ id: key.id, tenant_id: key.tenantId, secret_hash: secretHash, revoked_at: null, doc: JSON.stringify(key) })
      .execute();
  }

  async listApiKeys(tenantId: string, page: PageRequest): Promise<Page<ApiKey>> {
    const query = this.db.selectFrom('api_keys').select(['id', 'doc']).where('tenant_id', '=', tenantId);
    return paged<ApiKey>(query, page);
  }

  async getApiKey(tenantId: string, id: string): Promise<ApiKey | null> {
    return parse<ApiKey>(
      await this.db
        .selectFrom('api_keys')
        .select('doc')
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst(),
    );
  }

  async revokeApiKey(tenantId: string, id: string, at: string): Promise<boolean> {
    return this.tx(async (trx) => {
      const key = parse<ApiKey>(
        await trx.selectFrom('api_keys').select('doc').where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst(),
      );
      if (!key) return false;
      if (key.revokedAt === null) {
        const revoked: ApiKey = { ...key, revokedAt: at };
        await trx
          .updateTable('api_keys')
          .set({ revoked_at: at, doc: JSON.stringify(revoked) })
          .where('id', '=', id)
          .execute();
      }
      return true;
    });
  }

  async findActiveApiKey(secretHash: string): Promise<ApiKey | null> {
    return parse<ApiKey>(
      await this.db
        .selectFrom('api_keys')
        .select('doc')
        .where('secret_hash', '=', secretHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    );
  }

  async listChannelsOfType(tenantId: string, type: Channel['type']): Promise<Channel[]> {
    const rows = await this.db
      .selectFrom('channels')
      .select('doc')
      .where('tenant_id', '=', tenantId)
      .where('type', '=', type)
      .orderBy('id')
      .execute();
    return docs<Channel>(rows);
  }

  async listEntryPointsOfChannel(tenantId: string, channelId: string): Promise<EntryPoint[]> {
    const rows = await this.db
      .selectFrom('entry_points')
      .select('doc')
      .where('tenant_id', '=', tenantId)
      .where('channel_id', '=', channelId)
      .orderBy('id')
      .execute();
    return docs<EntryPoint>(rows);
  }

  async findEntryPointByAddress(tenantId: string, channelType: Channel['type'], address: string): Promise<EntryPoint | null> {
    return parse<EntryPoint>(
      await this.db
        .selectFrom('entry_points')
        .select('doc')
        .where('tenant_id', '=', tenantId)
        .where('channel_type', '=', channelType)
        .where('address', '=', address)
        .executeTakeFirst(),
    );
  }

  listExceptions(tenantId: string, channelId: string): Promise<EntryPointException[]> {
    return exceptions.listExceptions(this.db, tenantId, channelId);
  }

  getException(tenantId: string, entryPointId: string): Promise<EntryPointException | null> {
    return exceptions.getException(this.db, tenantId, entryPointId);
  }

  insertException(exception: EntryPointException): Promise<void> {
    return this.tx(
      async (trx) => {
        await this.fence?.(trx, exception.tenantId);
        await exceptions.insertException(trx, exception);
      },
      { conflict: apiError('EXCEPTION_EXISTS', 'The entry point already has an exception.', 'entryPointId') },
    );
  }

  updateException(exception: EntryPointException): Promise<boolean> {
    return this.tx(async (trx) => {
      await this.fence?.(trx, exception.tenantId);
      return exceptions.updateException(trx, exception);
    });
  }

  deleteException(tenantId: string, entryPointId: string): Promise<boolean> {
    return this.tx(async (trx) => {
      await this.fence?.(trx, tenantId);
      return exceptions.deleteException(trx, tenantId, entryPointId);
    });
  }

  replaceEntryPointSettings(channel: Channel, list: EntryPointException[]): Promise<void> {
    return this.tx(
      async (trx) => {
        await this.fence?.(trx, channel.tenantId);
        await exceptions.replaceEntryPointSettings(trx, channel, list);
      },
      {
        conflict: apiError('EXCEPTION_EXISTS', 'An entry point is listed twice; each has at most one exception.', 'exceptions'),
      },
    );
  }

  async insertFlowVersion(version: FlowVersion, activate: { flow: Flow } | null): Promise<void> {
    return this.tx(async (trx) => {
      await this.fence?.(trx, version.tenantId);
      await trx
        .insertInto('flow_versions')
        .values({
          id: version.id,
          tenant_id: version.tenantId,
          flow_id: version.flowId,
          number: version.number,
          doc: JSON.stringify(version),
        })
        .execute();
      if (activate) {
        await trx
          .updateTable('flows')
          .set({ doc: JSON.stringify(activate.flow) })
          .where('id', '=', activate.flow.id)
          .execute();
      }
    });
  }

  async getFlowVersion(tenantId: string, flowId: string, versionId: string): Promise<FlowVersion | null> {
    return parse<FlowVersion>(
      await this.db
        .selectFrom('flow_versions')
        .select('doc')
        .where('tenant_id', '=', tenantId)
        .where('flow_id', '=', flowId)
        .where('id', '=', versionId)
        .executeTakeFirst(),
    );
  }

  async listFlowVersions(tenantId: string, flowId: string, page: PageRequest): Promise<Page<FlowVersion>> {
    const query = this.db
      .selectFrom('flow_versions')
      .select(['id', 'doc'])
      .where('tenant_id', '=', tenantId)
      .where('flow_id', '=', flowId);
    return paged<FlowVersion>(query, page);
  }

  async flowVersionIds(tenantId: string, flowId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('flow_versions')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('flow_id', '=', flowId)
      .execute();
    return new Set(rows.map((row) => String((row as Row).id)));
  }

  async nextFlowVersionNumber(tenantId: string, flowId: string): Promise<number> {
    const row = (await this.db
      .selectFrom('flow_versions')
      .select(sql<number>`coalesce(max(number), 0)`.as('max'))
      .where('tenant_id', '=', tenantId)
      .where('flow_id', '=', flowId)
      .executeTakeFirst()) as Row | undefined;
    return Number(row?.max ?? 0) + 1;
  }

  async findDispatchCandidates(
    tenantIds: readonly string[],
    key: { channelType: string; values: Partial<Record<'customer' | 'contact-point' | 'source' | 'direction', string>> },
  ): Promise<DispatchMapping[]> {
    const fields = Object.entries(key.values).filter(([, value]) => value !== undefined) as [string, string][];
    if (tenantIds.length === 0 || fields.length === 0) return [];
    // Point lookups in the unique index of active keys, one per (tenant, channel type, field, value):
    // the literal `active = 1` is what lets the planner use that partial index, so dispatch costs the
    // same with ten mappings or a million.
    const values: unknown[] = [];
    for (const tenantId of tenantIds) {
      for (const channelType of [key.channelType, 'any']) {
        for (const [field, value] of fields) values.push(tenantId, channelType, field, value);
      }
    }
    const tuples = Array.from({ length: values.length / 4 }, () => '(?, ?, ?, ?)').join(', ');
    const { rows } = await this.db.executeQuery<Row>(
      this.statement(
        `SELECT doc FROM dispatch_mappings WHERE active = 1 AND (tenant_id, channel_type, interaction_field, value) IN (VALUES ${tuples})`,
        values,
      ),
    );
    return docs<DispatchMapping>(rows);
  }

  async dispatchKeysInUse(tenantIds: readonly string[]): Promise<Set<string>> {
    if (tenantIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('dispatch_mappings')
      .select(['channel_type', 'interaction_field'])
      .distinct()
      .where('tenant_id', 'in', [...tenantIds])
      .where('active', '=', 1)
      .execute();
    return new Set(rows.map((row: Row) => `${row.channel_type}/${row.interaction_field}`));
  }

  async isFlowDispatched(tenantId: string, flowId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('dispatch_mappings')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('flow_id', '=', flowId)
      .where('active', '=', 1)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async listDispatchMappingsOf(tenantIds: readonly string[], page: PageRequest): Promise<Page<DispatchMapping>> {
    const query = this.db
      .selectFrom('dispatch_mappings')
      .select(['id', 'doc'])
      .where('tenant_id', 'in', [...tenantIds]);
    return paged<DispatchMapping>(query, page);
  }

  /**
   * The statements every interaction change runs, as SQL text: they are run thousands of times a
   * second, and building them with the query builder each time cost more than SQLite running them.
   * Written once with `?` placeholders; the text is kept per dialect.
   */
  private statement(text: string, parameters: readonly unknown[]): CompiledQuery {
    let dialectText = this.statementTexts.get(text);
    if (dialectText === undefined) {
      dialectText = this.driver === 'postgres' ? numberedPlaceholders(text) : text;
      this.statementTexts.set(text, dialectText);
    }
    return CompiledQuery.raw(dialectText, [...parameters]);
  }

  /**
   * Appends the events in order and returns them with their sequence numbers: the ones they carry
   * (the SQLite store thread's caller numbers them, see threaded-store.ts), or else the next ones.
   */
  private async appendEvents(trx: Tx, tenantId: string, events: InteractionRowChange['events']): Promise<InteractionEvent[]> {
    if (events.length === 0) return [];
    if (this.driver === 'postgres') {
      // The event feed pages by seq: a reader must never see seq N+1 committed while N is not yet.
      // Holding a per-tenant lock from the first event insert to commit makes a tenant's events
      // commit in seq order (SQLite serialises all writes anyway).
      await sql`SELECT pg_advisory_xact_lock(${eventLockClass}, hashtext(${tenantId}))`.execute(trx);
    }
    const numbered = events.every((event) => event.seq !== undefined);
    // One statement for all the events of a change: their sequence numbers follow the list order.
    const values: unknown[] = [];
    for (const event of events) {
      if (numbered) values.push(event.seq);
      values.push(tenantId, event.interactionId, event.type, event.at, JSON.stringify(event.data));
    }
    const columns = `${numbered ? 'seq, ' : ''}tenant_id, interaction_id, type, at, data`;
    const row = numbered ? '(?, ?, ?, ?, ?, ?)' : '(?, ?, ?, ?, ?)';
    const insert = `INSERT INTO interaction_events (${columns}) VALUES ${events.map(() => row).join(', ')}`;
    if (numbered) {
      await trx.executeQuery(this.statement(insert, values));
      return events as InteractionEvent[];
    }
    if (this.driver === 'postgres') {
      const result = await trx.executeQuery<Row>(this.statement(`${insert} RETURNING seq`, values));
      return events.map((event, i) => ({ ...event, seq: Number(result.rows[i]?.seq) }));
    }
    // SQLite numbers the rows of one INSERT consecutively and reports the last.
    const result = await trx.executeQuery(this.statement(insert, values));
    const first = Number(result.insertId) - events.length + 1;
    return events.map((event, i) => ({ ...event, seq: first + i }));
  }

  /** Inserts (on top of nothing) or updates (on top of the revision it replaces) one interaction with its events and timers. */
  private async writeChange(trx: Tx, change: InteractionRowChange): Promise<InteractionEvent[] | null> {
    const { row } = change;
    await this.fence?.(trx, row.tenantId);
    const replaces = change.replaces ?? row.revision - 1;
    if (replaces === 0) {
      await trx.executeQuery(this.statement(insertInteraction, [row.id, row.tenantId, ...interactionValues(row)]));
      if (row.voiceCall) {
        await trx.executeQuery(
          this.statement(
            'INSERT INTO voice_calls (interaction_id, tenant_id, call_center_id, vendor_call_key) VALUES (?, ?, ?, ?)',
            [row.id, row.tenantId, row.voiceCall.callCenterId, row.voiceCall.vendorCallKey],
          ),
        );
      }
    } else {
      const result = await trx.executeQuery(
        this.statement(updateInteraction, [...interactionValues(row), row.id, row.tenantId, replaces]),
      );
      if (Number(result.numAffectedRows) !== 1) return null;
    }
    const events = await this.appendEvents(trx, row.tenantId, change.events);
    await saveMessages(trx, change.messages ?? []);
    // An export the call already has for its integration is not made again, nor sent again.
    const skipped = await insertCallExports(trx, change.callExports ?? []);
    const outbox = (change.outbox ?? []).filter(
      (item) => item.destination !== 'call-export' || !skipped.has(item.payload.exportId),
    );
    await writeOutbox(trx, outbox, change.settle ?? []);
    const timers = change.timers ?? { set: [], cancel: [] };
    for (const id of timers.cancel) await trx.executeQuery(this.statement('DELETE FROM timers WHERE id = ?', [id]));
    for (const timer of timers.set) {
      await trx.executeQuery(
        this.statement('INSERT INTO timers (id, tenant_id, interaction_id, kind, due_at) VALUES (?, ?, ?, ?, ?)', [
          timer.id,
          timer.tenantId,
          timer.interactionId,
          timer.kind,
          timer.dueAt,
        ]),
      );
    }
    return events;
  }

  createInteraction(
    change: InteractionChange,
    idempotency: { key: string; requestHash: string } | null,
  ): Promise<{ created: true; events: InteractionEvent[] } | { created: false; interactionId: string; requestHash: string }> {
    return this.createInteractionRow(interactionRowChange(change), idempotency);
  }

  /** createInteraction, for an interaction already in its row form. */
  async createInteractionRow(
    change: InteractionRowChange,
    idempotency: { key: string; requestHash: string } | null,
  ): Promise<{ created: true; events: InteractionEvent[] } | { created: false; interactionId: string; requestHash: string }> {
    const interaction = change.row;
    try {
      const events = await this.tx(async (trx) => {
        // A create inserts, whatever revision the row has reached (see InteractionRowChange.replaces).
        const stored = (await this.writeChange(trx, { ...change, replaces: 0 })) ?? [];
        if (idempotency) {
          await trx
            .insertInto('idempotency_keys')
            .values({
              tenant_id: interaction.tenantId,
              key: idempotency.key,
              interaction_id: interaction.id,
              request_hash: idempotency.requestHash,
            })
            .execute();
        }
        return stored;
      });
      return { created: true, events };
    } catch (error) {
      // A concurrent request with the same key won the race: the whole transaction rolled back.
      if (idempotency && this.classify(error) === 'unique') {
        const first = await this.findInteractionByIdempotencyKey(interaction.tenantId, idempotency.key);
        if (first) return { created: false, ...first };
      }
      throw error;
    }
  }

  async findInteractionByIdempotencyKey(
    tenantId: string,
    key: string,
  ): Promise<{ interactionId: string; requestHash: string } | null> {
    const row = (await this.db
      .selectFrom('idempotency_keys')
      .select(['interaction_id', 'request_hash'])
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .executeTakeFirst()) as Row | undefined;
    return row ? { interactionId: String(row.interaction_id), requestHash: String(row.request_hash) } : null;
  }

  async getInteraction(tenantId: string, id: string): Promise<Interaction | null> {
    const { rows } = await this.db.executeQuery<Row>(
      this.statement('SELECT doc FROM interactions WHERE id = ? AND tenant_id = ?', [id, tenantId]),
    );
    return parse<Interaction>(rows[0]);
  }

  async listInteractions(tenantId: string, filter: InteractionFilter, page: PageRequest): Promise<Page<Interaction>> {
    let query = this.db.selectFrom('interactions').select(['id', 'doc']).where('tenant_id', '=', tenantId);
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.queueId) query = query.where('queue_id', '=', filter.queueId);
    if (filter.customer) query = query.where('customer', '=', filter.customer);
    if (filter.createdFrom) query = query.where('created_at', '>=', filter.createdFrom);
    if (filter.createdBefore) query = query.where('created_at', '<', filter.createdBefore);
    return paged<Interaction>(query, page);
  }

  async latestInteractionsOf(tenantId: string, customer: string, limit: number): Promise<Interaction[]> {
    const rows = await this.db
      .selectFrom('interactions')
      .select(['id', 'doc'])
      .where('tenant_id', '=', tenantId)
      .where('customer', '=', customer)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return docs<Interaction>(rows);
  }

  saveInteractions(changes: InteractionChange[]): Promise<boolean> {
    return this.saveInteractionRows(changes.map(interactionRowChange));
  }

  /** saveInteractions, for interactions already in their row form. */
  async saveInteractionRows(changes: InteractionRowChange[]): Promise<boolean> {
    try {
      await this.tx(async (trx) => {
        for (const change of changes) {
          if ((await this.writeChange(trx, change)) === null) throw staleRevision;
        }
      });
      return true;
    } catch (error) {
      if (error === staleRevision) return false;
      throw error;
    }
  }

  async listTimers(tenantId?: string): Promise<StoredTimer[]> {
    let query = this.db.selectFrom('timers').selectAll();
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    const rows = await query.orderBy('due_at').execute();
    return rows.map((row: Row) => ({
      id: String(row.id),
      tenantId: String(row.tenant_id),
      interactionId: String(row.interaction_id),
      kind: String(row.kind) as StoredTimer['kind'],
      dueAt: String(row.due_at),
    }));
  }

  private eventOf(row: Row): InteractionEvent {
    return {
      seq: Number(row.seq),
      interactionId: String(row.interaction_id),
      type: String(row.type),
      at: String(row.at),
      // An event cannot be skipped (its number would go missing from the history): its data is.
      data: readDoc<Record<string, unknown>>(String(row.data)) ?? { unreadable: 'nested too deep' },
    };
  }

  async listEvents(tenantId: string, afterSeq: number, limit: number, types?: readonly string[]): Promise<InteractionEvent[]> {
    let query = this.db
      .selectFrom('interaction_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('seq', '>', afterSeq);
    if (types && types.length > 0) query = query.where('type', 'in', [...types]);
    const rows = await query.orderBy('seq').limit(limit).execute();
    return rows.map((row: Row) => this.eventOf(row));
  }

  /** The highest sequence number of any tenant's events; 0 when there are none. */
  latestEventSeqOfAllTenants(): Promise<number> {
    return this.highestEventSeq(null);
  }

  latestEventSeq(tenantId: string): Promise<number> {
    return this.highestEventSeq(tenantId);
  }

  private async highestEventSeq(tenantId: string | null): Promise<number> {
    let query = this.db.selectFrom('interaction_events').select(sql<number>`coalesce(max(seq), 0)`.as('seq'));
    if (tenantId !== null) query = query.where('tenant_id', '=', tenantId);
    const row = (await query.executeTakeFirst()) as Row | undefined;
    return Number(row?.seq ?? 0);
  }

  async listEventsSince(tenantId: string, types: readonly string[], since: string): Promise<InteractionEvent[]> {
    if (types.length === 0) return [];
    const rows = await this.db
      .selectFrom('interaction_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('type', 'in', [...types])
      .where('at', '>=', since)
      .orderBy('seq')
      .execute();
    return rows.map((row: Row) => this.eventOf(row));
  }

  async webhookSecret(tenantId: string, webhookId: string): Promise<string | null> {
    const row = (await this.db
      .selectFrom('webhooks')
      .select('secret')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', webhookId)
      .executeTakeFirst()) as Row | undefined;
    return row ? String(row.secret) : null;
  }

  async createWebhook(webhook: Webhook, secret: string): Promise<void> {
    await this.tx(async (trx) => {
      await this.fence?.(trx, webhook.tenantId);
      await trx
        .insertInto('webhooks')
        .values({ id: webhook.id, tenant_id: webhook.tenantId, secret, doc: JSON.stringify(webhook) })
        .execute();
    });
  }

  async tenantsWithWebhooks(): Promise<string[]> {
    const rows = await this.db.selectFrom('webhooks').select('tenant_id').distinct().execute();
    return rows.map((row: Row) => String(row.tenant_id));
  }

  async deleteTimers(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.tx(async (trx) => {
      if (this.fence) {
        const rows = await trx
          .selectFrom('timers')
          .select('tenant_id')
          .where('id', 'in', [...ids])
          .execute();
        for (const tenantId of new Set(rows.map((row: Row) => String(row.tenant_id)))) await this.fence(trx, tenantId);
      }
      await trx
        .deleteFrom('timers')
        .where('id', 'in', [...ids])
        .execute();
    });
  }

  async listInteractionsInStates(tenantId: string, states: readonly InteractionState[]): Promise<Interaction[]> {
    if (states.length === 0) return [];
    const rows = await this.db
      .selectFrom('interactions')
      .select('doc')
      .where('tenant_id', '=', tenantId)
      .where('state', 'in', [...states])
      .orderBy('id')
      .execute();
    return docs<Interaction>(rows);
  }

  async createAgentToken(token: AgentToken, secretHash: string): Promise<void> {
    await this.db
      .insertInto('agent_tokens')
      .values({
        id: token.id,
        tenant_id: token.tenantId,
        agent_id: token.agentId,
        secret_hash: secretHash,
        revoked_at: null,
        doc: JSON.stringify(token),
      })
      .execute();
  }

  async findActiveAgentToken(secretHash: string): Promise<AgentToken | null> {
    return parse<AgentToken>(
      await this.db
        .selectFrom('agent_tokens')
        .select('doc')
        .where('secret_hash', '=', secretHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    );
  }

  async listAgentTokens(tenantId: string, agentId: string): Promise<AgentToken[]> {
    const rows = await this.db
      .selectFrom('agent_tokens')
      .select('doc')
      .where('tenant_id', '=', tenantId)
      .where('agent_id', '=', agentId)
      .orderBy('id')
      .execute();
    return docs<AgentToken>(rows);
  }

  revokeAgentToken(tenantId: string, agentId: string, tokenId: string, at: string): Promise<boolean> {
    return this.tx(async (trx) => {
      const token = parse<AgentToken>(
        await trx
          .selectFrom('agent_tokens')
          .select('doc')
          .where('id', '=', tokenId)
          .where('tenant_id', '=', tenantId)
          .where('agent_id', '=', agentId)
          .executeTakeFirst(),
      );
      if (!token) return false;
      if (token.revokedAt === null) {
        await trx
          .updateTable('agent_tokens')
          .set({ revoked_at: at, doc: JSON.stringify({ ...token, revokedAt: at }) })
          .where('id', '=', tokenId)
          .execute();
      }
      return true;
    });
  }

  async listInteractionEvents(tenantId: string, interactionId: string): Promise<InteractionEvent[]> {
    const { rows } = await this.db.executeQuery<Row>(
      this.statement('SELECT * FROM interaction_events WHERE tenant_id = ? AND interaction_id = ? ORDER BY seq', [
        tenantId,
        interactionId,
      ]),
    );
    return rows.map((row) => this.eventOf(row));
  }

  async listQueueWaiting(
    tenantId: string,
    queueId: string,
    page: { limit: number; includeNoReplyNeeded: boolean },
  ): Promise<Interaction[]> {
    let query = this.db
      .selectFrom('interactions')
      .select('doc')
      .where('tenant_id', '=', tenantId)
      .where('queue_id', '=', queueId)
      .where('state', '=', 'queued');
    if (!page.includeNoReplyNeeded) query = query.where('no_reply_needed', '=', 0);
    const rows = await query
      .orderBy('priority', 'desc')
      .orderBy('due_at')
      .orderBy('enqueued_at')
      .orderBy('id')
      .limit(page.limit)
      .execute();
    return docs<Interaction>(rows);
  }

  async close(): Promise<void> {
    await this.destroy();
  }
}
