import type { Worker } from 'node:worker_threads';
import { type ApiError, AppError } from '../../core/errors.js';
import { IdMap } from '../../core/id-map.js';
import type { CallExport } from '../../core/integrations.js';
import {
  type ConversationMessage,
  type DispatchMapping,
  finalStates,
  type Interaction,
  type InteractionEvent,
  type OutboxItem,
  type OutboxSettlement,
} from '../../core/model.js';
import { type InteractionRowChange, interactionRowChange } from '../sql/sql-store.js';
import type { InteractionChange, ResourceTable, Store, TimerChanges } from '../store.js';
import { ConfigurationCache, deepFreeze } from './configuration-cache.js';

export interface StoreCall {
  id: number;
  /** A Store method, or `table.method` for a ResourceTable's. */
  path: string;
  args: unknown[];
}
export type StoreThreadRequest = { type: 'calls'; batch: number; calls: StoreCall[] };
export type CallOutcome =
  | { id: number; value: unknown }
  | { id: number; error: { errors: ApiError[] } | { message: string; code: unknown } };
export type StoreThreadReply =
  | { type: 'ready' }
  | { type: 'results'; outcomes: CallOutcome[] }
  | { type: 'committed'; batch: number }
  | { type: 'fatal'; message: string };

/** An InteractionChange whose events have their sequence numbers. */
type NumberedChange = Omit<InteractionChange, 'events'> & { events: InteractionEvent[] };

/**
 * A change checked here and not yet sent to the thread. A later checked change of the same
 * interaction in the same batch folds into it (see `fold`): the thread then writes the interaction
 * once, in its latest revision, with the events and timers of both.
 */
interface PendingWrite {
  interaction: Interaction;
  events: InteractionEvent[];
  timers: TimerChanges;
  messages: ConversationMessage[];
  outbox: OutboxItem[];
  settle: OutboxSettlement[];
  callExports: CallExport[];
  /** The revision the write applies on top of; 0 for a create. */
  replaces: number;
}

/** A call waiting in the outbox; a checked write's arguments are made when the batch is sent. */
type OutgoingCall = { id: number; path: string } & ({ args: unknown[] } | { writes: PendingWrite[] });

/** Folds a later change of an interaction into its pending write. */
function fold(write: PendingWrite, change: NumberedChange): void {
  write.interaction = change.interaction;
  write.events.push(...change.events);
  const cancel = change.timers?.cancel ?? [];
  const setBefore = new Set(write.timers.set.map((timer) => timer.id));
  // A timer set and cancelled within the batch never reaches the database.
  write.timers.set = write.timers.set.filter((timer) => !cancel.includes(timer.id));
  write.timers.cancel.push(...cancel.filter((id) => !setBefore.has(id)));
  write.timers.set.push(...(change.timers?.set ?? []));
  write.messages.push(...(change.messages ?? []));
  write.outbox.push(...(change.outbox ?? []));
  write.settle.push(...(change.settle ?? []));
  write.callExports.push(...(change.callExports ?? []));
}

/** The row form of a pending write, as the thread writes it. */
function pendingRow(write: PendingWrite): InteractionRowChange {
  const { interaction, events, timers, messages, outbox, settle, callExports, replaces } = write;
  return { ...interactionRowChange({ interaction, events, timers, messages, outbox, settle, callExports }), replaces };
}

type MethodName<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];
type TableName = { [K in keyof Store]: Store[K] extends ResourceTable<infer _> ? K : never }[keyof Store];
/** The interaction operations this side answers itself where it can. */
type OwnMethod = 'committed' | 'close' | 'getInteraction' | 'saveInteractions' | 'createInteraction' | 'findDispatchCandidates';

/**
 * What each forwarded operation does to the configuration cache: `cached` reads are answered from
 * it, `configuration` writes empty it, `other` operations pass by it. A Record, so that an operation
 * added to the Store does not compile until it is classified here.
 */
const operations: Record<Exclude<MethodName<Store>, OwnMethod>, 'cached' | 'configuration' | 'other'> = {
  createTenant: 'configuration',
  getTenant: 'cached',
  listTenants: 'other',
  updateTenant: 'configuration',
  createApiKey: 'configuration',
  listApiKeys: 'other',
  getApiKey: 'other',
  revokeApiKey: 'configuration',
  findActiveApiKey: 'cached',
  findContactByAddress: 'other',
  findQueue: 'cached',
  findAgent: 'other',
  findFlowByDevName: 'cached',
  getFlowVersionById: 'cached',
  listChannelsOfType: 'cached',
  listEntryPointsOfChannel: 'other',
  findEntryPointByAddress: 'cached',
  listExceptions: 'cached',
  getException: 'cached',
  insertException: 'configuration',
  updateException: 'configuration',
  deleteException: 'configuration',
  replaceEntryPointSettings: 'configuration',
  insertFlowVersion: 'configuration',
  getFlowVersion: 'cached',
  listFlowVersions: 'other',
  flowVersionIds: 'cached',
  nextFlowVersionNumber: 'other',
  dispatchKeysInUse: 'cached',
  isFlowDispatched: 'other',
  listDispatchMappingsOf: 'other',
  findInteractionByIdempotencyKey: 'other',
  listInteractions: 'other',
  latestInteractionsOf: 'other',
  listTimers: 'other',
  deleteTimers: 'other',
  listInteractionsInStates: 'other',
  listEvents: 'other',
  latestEventSeq: 'other',
  listEventsSince: 'other',
  createWebhook: 'other',
  webhookSecret: 'other',
  tenantsWithWebhooks: 'other',
  createAgentToken: 'other',
  findActiveAgentToken: 'other',
  listAgentTokens: 'other',
  revokeAgentToken: 'other',
  listInteractionEvents: 'other',
  listQueueWaiting: 'other',
  findCallCentersByIssuer: 'cached',
  listRoutingMaps: 'other',
  findRoutingMap: 'cached',
  findRoutingMapByExternalId: 'cached',
  listConversation: 'other',
  getConversationMessage: 'other',
  findMessageByExternalId: 'other',
  findLatestInThread: 'other',
  listPendingOutbox: 'other',
  retryOutbox: 'other',
  setChannelSecrets: 'other',
  getChannelSecrets: 'other',
  setIntegrationSecrets: 'other',
  getIntegrationSecrets: 'other',
  getCallExport: 'other',
  listCallExports: 'other',
  recordCallExport: 'other',
  createUser: 'other',
  getUser: 'other',
  listUsers: 'other',
  updateUser: 'other',
  deleteUser: 'other',
  findUserByEmail: 'other',
  setUserPassword: 'other',
  createInvitation: 'other',
  takeInvitation: 'other',
  createSession: 'other',
  findSession: 'other',
  deleteSession: 'other',
  recentSignInFailures: 'other',
  recordSignInFailure: 'other',
  findConversationExternalIds: 'other',
  findVoiceCall: 'other',
  recordTokenId: 'other',
};

/**
 * Tables whose objects are configuration read per interaction (their `get` is cached, their writes
 * empty the cache). Agents change presence all day and contacts are written in bulk by CRM syncs:
 * caching them would mostly empty the cache. Their writes still empty it, except contacts', which no
 * cached read depends on.
 */
const tables: Record<TableName, 'cached' | 'uncached' | 'contacts'> = {
  queues: 'cached',
  channels: 'cached',
  entryPoints: 'cached',
  integrations: 'cached',
  standardResponses: 'cached',
  flows: 'cached',
  dispatchMappings: 'cached',
  callCenters: 'cached',
  routingMaps: 'cached',
  agents: 'uncached',
  webhooks: 'uncached',
  contacts: 'contacts',
};

/**
 * Open interactions kept in memory, at most; beyond it the tenth least recently written are forgotten
 * (in one pass) and read again when needed.
 */
const maxOpenInteractions = 100_000;

/**
 * The Store as the main thread sees the SQLite store thread. Every operation is sent to the thread,
 * calls of one event-loop turn in one message, and the thread runs them in the order sent.
 *
 * Two things are answered here, because a round trip to the other thread costs far more than the
 * work itself and the router must not wait for one while it holds a tenant's turn:
 * - configuration reads, from a ConfigurationCache (this process is the database's only writer);
 * - open interactions: the latest revision of each interaction this process has created, read or
 *   saved is kept (frozen) in memory. A save whose revisions all match it is checked here, applied
 *   here, and sent without waiting for the answer; the thread checks again, and a difference there
 *   (which would be a defect) stops the process before anything of it is announced, since
 *   `committed()` only resolves for batches the thread committed. A save of an interaction not in
 *   memory is decided by the thread, and nothing of it is kept until the answer is in.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below declares the forwarded operations, which the constructor installs from `operations`, a Record that names every one.
export class ThreadedStore implements Store {
  readonly driver = 'sqlite' as const;
  readonly queues: Store['queues'];
  readonly channels: Store['channels'];
  readonly entryPoints: Store['entryPoints'];
  readonly integrations: Store['integrations'];
  readonly standardResponses: Store['standardResponses'];
  readonly flows: Store['flows'];
  readonly dispatchMappings: Store['dispatchMappings'];
  readonly agents: Store['agents'];
  readonly contacts: Store['contacts'];
  readonly webhooks: Store['webhooks'];
  readonly callCenters: Store['callCenters'];
  readonly routingMaps: Store['routingMaps'];

  private readonly configuration = new ConfigurationCache();
  private readonly open = new IdMap<Interaction>();
  /**
   * The sequence number of the last event sent to the thread. Events are numbered here, in the
   * order the thread will write them, so that a create can answer with its events at once; a
   * change the thread refuses leaves a gap, as a rolled-back sequence does in PostgreSQL.
   */
  private lastSeq = 0;
  /** Interactions with a save or create sent to the thread and not yet answered: not kept until it is. */
  private readonly deciding = new IdMap<number>();
  private outbox: OutgoingCall[] = [];
  /**
   * The checked writes in the outbox since its last other call, by interaction. Only these take
   * later changes: folding a change across a read or an undecided write could let that call see
   * events out of their order.
   */
  private readonly folding = new IdMap<PendingWrite>();
  private flushing = false;
  private nextCallId = 1;
  private sentBatch = 0;
  private committedBatch = 0;
  private readonly answers = new IdMap<{ resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private readonly commitWaiters: { batch: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private failure: Error | null = null;
  private closing = false;

  constructor(
    private readonly thread: Worker,
    private readonly onFatal: (error: unknown) => void,
  ) {
    thread.on('message', (message: StoreThreadReply) => this.receive(message));
    thread.on('error', (error) => this.fail(error));
    thread.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`the SQLite store thread exited (${code})`));
    });
    for (const [name, kind] of Object.entries(operations)) {
      const forward = (...args: unknown[]) => this.call(name, args);
      (this as unknown as Record<string, unknown>)[name] =
        kind === 'cached'
          ? (...args: unknown[]) => this.configuration.read(`${name}/${JSON.stringify(args)}`, () => forward(...args))
          : kind === 'configuration'
            ? (...args: unknown[]) => this.configuration.write(() => forward(...args))
            : forward;
    }
    this.queues = this.table('queues');
    this.channels = this.table('channels');
    this.entryPoints = this.table('entryPoints');
    this.integrations = this.table('integrations');
    this.standardResponses = this.table('standardResponses');
    this.flows = this.table('flows');
    this.dispatchMappings = this.table('dispatchMappings');
    this.agents = this.table('agents');
    this.contacts = this.table('contacts');
    this.webhooks = this.table('webhooks');
    this.callCenters = this.table('callCenters');
    this.routingMaps = this.table('routingMaps');
  }

  /** Reads what numbering the events needs; called once, before the store is used. */
  async start(): Promise<this> {
    this.lastSeq = (await this.call('latestEventSeqOfAllTenants', [])) as number;
    return this;
  }

  committed(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const batch = this.sentBatch + (this.outbox.length > 0 ? 1 : 0);
    if (this.committedBatch >= batch) return Promise.resolve();
    return new Promise((resolve, reject) => this.commitWaiters.push({ batch, resolve, reject }));
  }

  /**
   * Dispatch runs for every interaction: answered from the cache for the fields no active mapping
   * keys on (most tenants map a few directions or contact points, not every customer number), and
   * for the values looked up before.
   */
  async findDispatchCandidates(
    tenantIds: readonly string[],
    key: { channelType: string; values: Partial<Record<'customer' | 'contact-point' | 'source' | 'direction', string>> },
  ): Promise<DispatchMapping[]> {
    const inUse = await this.dispatchKeysInUse(tenantIds);
    const values = Object.fromEntries(
      Object.entries(key.values).filter(
        ([field, value]) => value !== undefined && (inUse.has(`${key.channelType}/${field}`) || inUse.has(`any/${field}`)),
      ),
    );
    if (Object.keys(values).length === 0) return [];
    const args = [tenantIds, { channelType: key.channelType, values }];
    return this.configuration.read(`findDispatchCandidates/${JSON.stringify(args)}`, () =>
      this.call('findDispatchCandidates', args),
    ) as Promise<DispatchMapping[]>;
  }

  async getInteraction(tenantId: string, id: string): Promise<Interaction | null> {
    const kept = this.open.get(id);
    if (kept) return kept.tenantId === tenantId ? kept : null;
    const interaction = (await this.call('getInteraction', [tenantId, id])) as Interaction | null;
    if (interaction && !this.deciding.has(id) && !this.open.has(id)) this.keep(interaction);
    return interaction;
  }

  async saveInteractions(changes: InteractionChange[]): Promise<boolean> {
    const known = changes.every(({ interaction }) =>
      interaction.revision === 1 ? !interaction.voiceCall : this.open.has(interaction.id) && !this.deciding.has(interaction.id),
    );
    if (!known) return this.decideInThread('saveInteractionRows', [this.rows(changes)], changes, (saved) => saved === true);
    for (const { interaction } of changes) {
      const kept = this.open.get(interaction.id);
      // Another tenant's interaction is not there for this save, as in the database (which would refuse it).
      if (interaction.revision > 1 && (kept?.revision !== interaction.revision - 1 || kept.tenantId !== interaction.tenantId)) {
        return false;
      }
    }
    this.sendChecked('saveInteractionRows', this.numbered(changes));
    return true;
  }

  async createInteraction(
    change: InteractionChange,
    idempotency: { key: string; requestHash: string } | null,
  ): Promise<{ created: true; events: InteractionEvent[] } | { created: false; interactionId: string; requestHash: string }> {
    // An idempotency key or a call's provider key may be taken already: the thread decides. Without
    // either, a new interaction (a new id) cannot be refused.
    if (idempotency || change.interaction.voiceCall) {
      const [row] = this.rows([change]);
      return this.decideInThread('createInteractionRow', [row, idempotency], [change], (outcome) => outcome.created);
    }
    const [numbered] = this.numbered([change]) as [NumberedChange];
    this.sendChecked('createInteractionRow', [numbered]);
    return { created: true, events: numbered.events };
  }

  async close(): Promise<void> {
    // From here a write that races the close (work still in flight when its owner stops) fails to its
    // caller; it does not stop the process, which is closing the store on purpose.
    this.closing = true;
    try {
      await this.call('close', []);
    } finally {
      await this.thread.terminate();
    }
  }

  /** The changes with their events numbered, in the order the thread will write them. */
  private numbered(changes: InteractionChange[]): NumberedChange[] {
    return changes.map(({ interaction, events, ...rest }) => ({
      interaction,
      events: events.map(({ interactionId, type, at, data }) => ({ seq: ++this.lastSeq, interactionId, type, at, data })),
      ...rest,
    }));
  }

  /**
   * Interactions go to the thread in their row form: serialised here, where they were changed, so
   * that the thread (which writes every one) neither copies nor serialises the objects.
   */
  private rows(changes: InteractionChange[]): InteractionRowChange[] {
    return this.numbered(changes).map(interactionRowChange);
  }

  /**
   * A save or create checked here: kept at once and sent without waiting. The thread checks it again;
   * a refusal there would be a defect, and stops the process before anything of it is announced.
   * A change of an interaction already written earlier in the batch folds into that write, which is
   * serialised when the batch leaves: a create and the offer that follows it, or an accept and an
   * end, cost one row write.
   */
  private sendChecked(path: 'createInteractionRow' | 'saveInteractionRows', changes: NumberedChange[]): void {
    const writes: PendingWrite[] = [];
    for (const change of changes) {
      // Serialised when the batch leaves: frozen, so that what is written is what was saved.
      deepFreeze(change.interaction);
      this.keep(change.interaction);
      const earlier = this.folding.get(change.interaction.id);
      if (earlier) {
        fold(earlier, change);
        continue;
      }
      const write: PendingWrite = {
        interaction: change.interaction,
        events: [...change.events],
        timers: { set: [...(change.timers?.set ?? [])], cancel: [...(change.timers?.cancel ?? [])] },
        messages: [...(change.messages ?? [])],
        outbox: [...(change.outbox ?? [])],
        settle: [...(change.settle ?? [])],
        callExports: [...(change.callExports ?? [])],
        replaces: path === 'createInteractionRow' ? 0 : change.interaction.revision - 1,
      };
      writes.push(write);
      this.folding.set(change.interaction.id, write);
    }
    if (writes.length === 0) return;
    this.enqueue({ id: this.nextCallId++, path, writes }).then(
      (outcome) => {
        const saved = path === 'createInteractionRow' ? (outcome as { created: boolean }).created : outcome === true;
        if (!saved) this.fail(new Error('the SQLite store thread refused a change this thread had checked'));
      },
      (error) => this.fail(error),
    );
  }

  /** A save or create the thread decides; what it saved is kept once it answers. */
  private async decideInThread<R>(
    path: string,
    args: unknown[],
    changes: InteractionChange[],
    saved: (outcome: R) => boolean,
  ): Promise<R> {
    const ids = changes.map(({ interaction }) => interaction.id);
    for (const id of ids) {
      this.open.delete(id);
      this.deciding.set(id, (this.deciding.get(id) ?? 0) + 1);
    }
    let outcome: R | undefined;
    try {
      outcome = (await this.call(path, args)) as R;
      return outcome;
    } finally {
      for (const id of ids) {
        const left = (this.deciding.get(id) ?? 1) - 1;
        if (left > 0) this.deciding.set(id, left);
        else this.deciding.delete(id);
      }
      if (outcome !== undefined && saved(outcome)) {
        for (const { interaction } of changes) if (!this.deciding.has(interaction.id)) this.keep(interaction);
      }
    }
  }

  private keep(interaction: Interaction): void {
    this.open.delete(interaction.id);
    // Interactions in a final state no longer change: they are not kept.
    if (finalStates.has(interaction.state)) return;
    this.open.set(interaction.id, deepFreeze(interaction));
    if (this.open.size > maxOpenInteractions) this.open.deleteOldest(maxOpenInteractions / 10);
  }

  private table<T extends { id: string; tenantId: string }>(name: TableName): ResourceTable<T> {
    const kind = tables[name];
    const call = (method: string, args: unknown[]) => this.call(`${name}.${method}`, args) as Promise<never>;
    const write = (method: string, args: unknown[]) =>
      kind === 'contacts' ? call(method, args) : this.configuration.write(() => call(method, args));
    return {
      insert: (item) => write('insert', [item]),
      get: (tenantId, id) =>
        kind === 'cached'
          ? this.configuration.read(`${name}.get/${tenantId}/${id}`, () => call('get', [tenantId, id]))
          : call('get', [tenantId, id]),
      list: (tenantId, page) => call('list', [tenantId, page]),
      update: (item) => write('update', [item]),
      remove: (tenantId, id) => write('remove', [tenantId, id]),
    };
  }

  private call(path: string, args: unknown[]): Promise<unknown> {
    this.folding.clear();
    return this.enqueue({ id: this.nextCallId++, path, args });
  }

  private enqueue(call: OutgoingCall): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const { id } = call;
    this.outbox.push(call);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => this.answers.set(id, { resolve, reject }));
  }

  /** Sends the calls of this turn as one message. */
  private flush(): void {
    this.flushing = false;
    if (this.outbox.length === 0 || this.failure) return;
    this.sentBatch++;
    const calls = this.outbox.map((call): StoreCall => {
      if ('args' in call) return call;
      const { id, path, writes } = call;
      return {
        id,
        path,
        args: path === 'createInteractionRow' ? [pendingRow(writes[0] as PendingWrite), null] : [writes.map(pendingRow)],
      };
    });
    const request: StoreThreadRequest = { type: 'calls', batch: this.sentBatch, calls };
    this.outbox = [];
    this.folding.clear();
    this.thread.postMessage(request);
  }

  private receive(message: StoreThreadReply): void {
    if (message.type === 'results') {
      for (const outcome of message.outcomes) {
        const answer = this.answers.get(outcome.id);
        this.answers.delete(outcome.id);
        if (!answer) continue;
        if ('value' in outcome) answer.resolve(outcome.value);
        else if ('errors' in outcome.error) answer.reject(new AppError(outcome.error.errors));
        else answer.reject(Object.assign(new Error(outcome.error.message), { code: outcome.error.code }));
      }
    } else if (message.type === 'committed') {
      this.committedBatch = message.batch;
      while (this.commitWaiters.length > 0 && (this.commitWaiters[0]?.batch ?? Infinity) <= message.batch) {
        this.commitWaiters.shift()?.resolve();
      }
    } else if (message.type === 'fatal') {
      this.fail(new Error(message.message));
    }
  }

  /** The thread could not commit, or died: nothing more is announced, and the process is stopped. */
  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    for (const waiter of this.commitWaiters.splice(0)) waiter.reject(this.failure);
    for (const answer of this.answers.values()) answer.reject(this.failure);
    this.answers.clear();
    if (!this.closing) this.onFatal(this.failure);
  }
}

// The forwarded operations, installed by the constructor (see the class).
export interface ThreadedStore extends Pick<Store, Exclude<MethodName<Store>, OwnMethod>> {}
