import { exportCredentialOf } from '../../core/configuration.js';
import { notFound } from '../../core/errors.js';
import { type CallExport, defaultCallAssignmentSettings, type Integration } from '../../core/integrations.js';
import { type Assignment, assignCall } from '../../core/missed-call-assignment.js';
import type { OutboxItem, Page, PageRequest, Tenant } from '../../core/model.js';
import type { InteractionChange, Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { HttpClient } from '../http-client.js';
import type { IdGenerator } from '../id-generator.js';
import type { DeliveryOutcome, OutboxDestinationHandler } from '../outbox/outbox-dispatcher.js';
import { callEndingStates, callFactsOf } from './call-facts.js';
import type { CallExportFormat, CrmContact, ExportConnection } from './export-format.js';

type ExportItem = Extract<OutboxItem, { destination: 'call-export' }>;

/**
 * How long the export of a telephony-API call that ended unanswered waits: the provider may make a
 * voicemail of it after reporting its end (Service Cloud Voice's voicemail packaging runs minutes later).
 */
export const providerVoicemailHoldMs = 15 * 60_000;

function assignmentOf(result: Assignment): CallExport['assignment'] {
  return result.kind === 'assigned'
    ? { assigneeIntegrationUserId: result.assigneeIntegrationUserId, method: result.method, attempts: result.attempts }
    : null;
}

/**
 * Finished voice calls exported to integrations (seed 004): when a change ends a call, one export per
 * integration that takes calls is made in that change, with its assignee where the chain can tell it
 * then, and its outbox item; the outbox delivers it (asking a CRM for the contact's owner first when
 * the chain needs it) and each attempt's outcome is kept on the export.
 */
export function createCallExports(deps: {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  http: HttpClient;
  formats: readonly CallExportFormat[];
}) {
  const { store, clock, newId } = deps;
  const formats = new Map(deps.formats.map((format) => [format.format, format]));
  // Tenants with an integration that takes calls: known without a query, so a save that ends a call in
  // any other tenant goes to the store as it is (kept by start() and integrationsChanged()).
  const exportingTenants = new Set<string>();

  async function exportingIntegrations(tenantId: string): Promise<Integration[]> {
    const found: Integration[] = [];
    for (let page: PageRequest = { limit: 200, after: null }; ; ) {
      const batch = await store.integrations.list(tenantId, page);
      for (const integration of batch.items) if (integration.callExport) found.push(integration);
      if (!batch.nextCursor) return found;
      page = { limit: 200, after: batch.nextCursor };
    }
  }

  /**
   * Whether the change leaves a voice call ended (it may have been ended by an earlier change) in a
   * tenant that exports calls. A callback is work, not a call: the calls its agents place are exported.
   */
  function endsCall(change: InteractionChange): boolean {
    const { interaction } = change;
    return (
      interaction.channelType === 'voice' &&
      !interaction.callback &&
      callEndingStates.has(interaction.state) &&
      exportingTenants.has(interaction.tenantId)
    );
  }

  async function integrationsChanged(tenantId: string): Promise<void> {
    if ((await exportingIntegrations(tenantId)).length > 0) exportingTenants.add(tenantId);
    else exportingTenants.delete(tenantId);
  }

  /** Learns which tenants export calls (at start). */
  async function start(): Promise<void> {
    for (let page: PageRequest = { limit: 200, after: null }; ; ) {
      const batch = await store.listTenants(page);
      for (const tenant of batch.items) await integrationsChanged(tenant.id);
      if (!batch.nextCursor) return;
      page = { limit: 200, after: batch.nextCursor };
    }
  }

  /**
   * The exports (and their outbox items) of a change that ends a voice call: a new one for each
   * integration that takes calls, or the held one refreshed (the call was reopened and now ends again);
   * none for an integration that has the call's export already, nor for any other change.
   */
  async function exportsOf(change: InteractionChange): Promise<{ records: CallExport[]; items: ExportItem[] }> {
    const interaction = change.interaction;
    const none = { records: [], items: [] };
    if (!endsCall(change)) return none;
    const existing = new Map(
      (
        await store.listCallExports(interaction.tenantId, { interactionId: interaction.id }, { limit: 200, after: null })
      ).items.map((record) => [record.integrationId, record]),
    );
    const integrations = (await exportingIntegrations(interaction.tenantId)).filter(
      (integration) => (existing.get(integration.id)?.status ?? 'held') === 'held',
    );
    if (integrations.length === 0) return none;
    const { call, facts, ownerIntegrationUserId } = await callFactsOf(store, interaction);
    const now = clock.now();
    // A provider may make a voicemail of a call after reporting it ended unanswered: such a call's export
    // waits a while, and is held (then refreshed) if the call is reopened meanwhile.
    const sendAt =
      interaction.voiceCall && call.outcome === 'missed'
        ? new Date(Date.parse(now) + providerVoicemailHoldMs).toISOString()
        : now;
    const records: CallExport[] = [];
    const items: ExportItem[] = [];
    for (const integration of integrations) {
      const settings = { ...defaultCallAssignmentSettings, ...integration };
      // A CRM that can look contacts up is asked at delivery; otherwise the owner is the contact's own.
      const asksAtDelivery = formats.get(integration.callExport?.format ?? 'signed-http')?.findContact !== undefined;
      const first = assignCall(facts, settings, asksAtDelivery ? undefined : ownerIntegrationUserId);
      const held = existing.get(integration.id);
      const record: CallExport = {
        id: held?.id ?? newId(),
        tenantId: interaction.tenantId,
        integrationId: integration.id,
        interactionId: interaction.id,
        call,
        facts,
        assignment: assignmentOf(first),
        status: 'pending',
        attempts: held?.attempts ?? 0,
        lastError: null,
        externalId: null,
        deliveredAt: null,
        createdAt: held?.createdAt ?? now,
        updatedAt: now,
      };
      records.push(record);
      items.push({
        id: newId(),
        tenantId: interaction.tenantId,
        orderingKey: record.id,
        destination: 'call-export',
        payload: { interactionId: interaction.id, exportId: record.id },
        attempts: 0,
        nextAttemptAt: sendAt,
        lastError: null,
        state: 'pending',
        createdAt: now,
      });
    }
    return { records, items };
  }

  /** Adds their exports to the changes that end calls; answers the outbox items to hand over once committed. */
  async function withExports(changes: InteractionChange[]): Promise<{ changes: InteractionChange[]; items: ExportItem[] }> {
    const items: ExportItem[] = [];
    const out: InteractionChange[] = [];
    for (const change of changes) {
      const made = await exportsOf(change);
      if (made.records.length === 0) {
        out.push(change);
        continue;
      }
      items.push(...made.items);
      out.push({
        ...change,
        callExports: [...(change.callExports ?? []), ...made.records],
        outbox: [...(change.outbox ?? []), ...made.items],
      });
    }
    return { changes: out, items };
  }

  /** One attempt's outcome on the export (attempts, error, status), settling its outbox item when it ends. */
  async function record(
    item: ExportItem,
    exported: CallExport,
    fields: Partial<CallExport>,
    ends: boolean,
    attempted = true,
  ): Promise<void> {
    const attempts = exported.attempts + (attempted ? 1 : 0);
    const updated: CallExport = { ...exported, ...fields, attempts, updatedAt: clock.now() };
    const settlement = ends
      ? {
          id: item.id,
          outcome: updated.status === 'delivered' ? ('sent' as const) : ('failed' as const),
          error: updated.lastError,
        }
      : null;
    await store.recordCallExport(updated, settlement);
  }

  /** The outbox destination `call-export`: one attempt at delivering an export. */
  const delivery: OutboxDestinationHandler<'call-export'> = {
    async deliver(item): Promise<DeliveryOutcome> {
      const exported = await store.getCallExport(item.tenantId, item.payload.exportId);
      if (!exported) return { kind: 'settled' };
      // Reopened since it ended (a voicemail of a missed call): held, to go when the call ends again.
      const interaction = await store.getInteraction(item.tenantId, exported.interactionId);
      if (interaction && !callEndingStates.has(interaction.state)) {
        await record(item, exported, { status: 'held' }, true, false);
        return { kind: 'settled' };
      }
      const fail = async (error: string): Promise<DeliveryOutcome> => {
        await record(item, exported, { status: 'failed', lastError: error }, true);
        return { kind: 'settled' };
      };
      const retry = async (error: string, retryAfterMs: number | null): Promise<DeliveryOutcome> => {
        await record(item, exported, { lastError: error }, false);
        return { kind: 'retry', error, retryAfterMs };
      };
      const [integration, tenant] = await Promise.all([
        store.integrations.get(item.tenantId, exported.integrationId),
        store.getTenant(item.tenantId),
      ]);
      const target = integration?.callExport;
      const format = target ? formats.get(target.format) : undefined;
      if (!integration || !tenant || !target || !format) return fail('The integration no longer takes call exports.');
      const secrets = await store.getIntegrationSecrets(item.tenantId, integration.id);
      const credential = secrets[exportCredentialOf[target.format]];
      if (!credential) return fail('The integration has no export credential.');
      const connection: ExportConnection = {
        url: target.url,
        credential,
        http: deps.http,
        allowPrivateNetwork: tenant.allowPrivateNetworkRequests,
      };

      let contact: CrmContact | null = null;
      if (format.findContact && exported.call.customer) {
        const found = await format.findContact(connection, exported.call.customer);
        if (found.kind === 'retry') return retry(found.message, found.retryAfterMs);
        if (found.kind === 'refused') return fail(found.message);
        contact = found.contact;
      }
      // The chain finishes with the owner the CRM named (or none), under the integration's settings now.
      const assignment =
        exported.assignment ??
        assignmentOf(assignCall(exported.facts, { ...defaultCallAssignmentSettings, ...integration }, contact?.ownerId ?? null));
      const ready: CallExport = { ...exported, assignment };
      const sent = await format.send(connection, ready, contact);
      if (sent.kind === 'retry') return retry(sent.message, sent.retryAfterMs);
      if (sent.kind === 'refused') {
        await record(item, ready, { status: 'failed', lastError: sent.message }, true);
        return { kind: 'settled' };
      }
      await record(
        item,
        ready,
        { status: 'delivered', externalId: sent.externalId, deliveredAt: clock.now(), lastError: null },
        true,
      );
      return { kind: 'settled' };
    },
    async giveUp(item, error): Promise<void> {
      const exported = await store.getCallExport(item.tenantId, item.payload.exportId);
      // The last attempt is counted already: giving up is no attempt of its own.
      if (exported) await record(item, exported, { status: 'failed', lastError: error }, true, false);
    },
  };

  return {
    start,
    integrationsChanged,
    endsCall,
    withExports,
    delivery,
    list: (tenant: Tenant, filter: { interactionId?: string }, page: PageRequest): Promise<Page<CallExport>> =>
      store.listCallExports(tenant.id, filter, page),
    async get(tenant: Tenant, id: string): Promise<CallExport> {
      const found = await store.getCallExport(tenant.id, id);
      if (!found) throw notFound('export');
      return found;
    },
  };
}

export type CallExports = ReturnType<typeof createCallExports>;
