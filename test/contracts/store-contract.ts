import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import {
  type Agent,
  type Channel,
  type Contact,
  type ConversationMessage,
  conversationThread,
  type DispatchMapping,
  defaultQueueRouting,
  type EntryPoint,
  type Flow,
  type Interaction,
  type OutboxItem,
  type Queue,
  type Tenant,
  untouchedRouting,
} from '../../src/core/model.js';
import { createUuidV7Generator } from '../../src/engine/id-generator.js';
import type { Store } from '../../src/store/store.js';

/**
 * The Store contract: what every driver must do, run against each one on a real database.
 * `open` returns a store over the same database each time it is called (to test durability).
 */
export interface StoreFactory {
  open(): Promise<Store>;
  /** Drops the database; called once at the end. */
  destroy(): Promise<void>;
}

const newId = createUuidV7Generator();
const at = '2026-03-02T10:00:00.000Z';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.errors[0]?.code, code);
    return true;
  });
}

/** A tenant as a test stores it. */
export function sampleTenant(name: string): Tenant {
  return {
    id: newId(),
    name,
    defaultCountry: 'US',
    timeZone: 'UTC',
    parentTenantId: null,
    allowPrivateNetworkRequests: false,
    createdAt: at,
  };
}

/** A waiting voice interaction of the tenant, revision 1, with the fields given. */
export function sampleInteraction(tenantId: string, fields: Partial<Interaction> = {}): Interaction {
  return {
    id: newId(),
    tenantId,
    channelType: 'voice',
    medium: null,
    direction: 'inbound',
    customer: '+15065550000',
    contactPoint: '+18005550000',
    source: null,
    attributes: {},
    priority: 0,
    state: 'queued',
    flowId: null,
    flowVersionId: null,
    queueId: null,
    entryPointId: null,
    dueAt: null,
    unansweredSince: at,
    noReplyNeeded: false,
    dispatchError: null,
    dispatch: null,
    placement: null,
    parentInteractionId: null,
    enqueuedAt: at,
    ...untouchedRouting(),
    revision: 1,
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

export function runStoreContract(driver: string, factory: StoreFactory | { skip: string }): void {
  describe(`Store contract: ${driver}`, { skip: 'skip' in factory ? factory.skip : false }, () => {
    if ('skip' in factory) return;
    let store: Store;
    let tenant: Tenant;
    let other: Tenant;

    const queue = (tenantId: string, devName: string): Queue => ({
      id: newId(),
      tenantId,
      name: devName,
      devName,
      description: null,
      slaMinutes: 30,
      routing: defaultQueueRouting,
      createdAt: at,
      updatedAt: at,
    });
    const channel = (defaultQueueId: string): Channel => ({
      id: newId(),
      tenantId: tenant.id,
      name: 'Voice',
      type: 'voice',
      medium: null,
      defaultQueueId,
      defaultEntryPointSlaMinutes: null,
      createdAt: at,
      updatedAt: at,
    });
    const entryPoint = (channelId: string, address: string): EntryPoint => ({
      id: newId(),
      tenantId: tenant.id,
      channelId,
      channelType: 'voice',
      name: null,
      address,
      createdAt: at,
      updatedAt: at,
    });
    const flow = (): Flow => ({
      id: newId(),
      tenantId: tenant.id,
      name: 'F',
      devName: `F${newId().replace(/-/g, '')}`,
      description: null,
      reusable: false,
      fallbackQueueId: null,
      activeVersionId: null,
      createdAt: at,
      updatedAt: at,
    });
    const interaction = (fields: Partial<Interaction> = {}): Interaction => sampleInteraction(tenant.id, fields);

    before(async () => {
      store = await factory.open();
      tenant = sampleTenant('A');
      other = { ...tenant, id: newId(), name: 'B' };
      await store.createTenant(tenant);
      await store.createTenant(other);
    });
    after(async () => {
      await store.close();
      await factory.destroy();
    });

    test('tenants: get, update, list in creation order with pages', async () => {
      assert.deepEqual(await store.getTenant(tenant.id), tenant);
      assert.equal(await store.getTenant(newId()), null);
      assert.equal(await store.updateTenant({ ...other, name: 'B2' }), true);
      assert.equal((await store.getTenant(other.id))?.name, 'B2');
      const first = await store.listTenants({ limit: 1, after: null });
      assert.deepEqual(
        first.items.map((t) => t.id),
        [tenant.id],
      );
      assert.equal(first.nextCursor, tenant.id);
      const second = await store.listTenants({ limit: 1, after: first.nextCursor });
      assert.deepEqual(
        second.items.map((t) => t.id),
        [other.id],
      );
      assert.equal(second.nextCursor, null);
    });

    test('resource tables are tenant-scoped and enforce devName uniqueness per tenant', async () => {
      const q = queue(tenant.id, 'Sales');
      await store.queues.insert(q);
      assert.deepEqual(await store.queues.get(tenant.id, q.id), q);
      assert.equal(await store.queues.get(other.id, q.id), null);
      assert.equal(await store.queues.update({ ...q, tenantId: other.id, name: 'stolen' }), false);
      assert.equal(await store.queues.remove(other.id, q.id), false);
      await rejectsWith(store.queues.insert(queue(tenant.id, 'Sales')), 'DUPLICATE_DEV_NAME');
      await store.queues.insert(queue(other.id, 'Sales'));
      const second = queue(tenant.id, 'Support');
      await store.queues.insert(second);
      await rejectsWith(store.queues.update({ ...second, devName: 'Sales' }), 'DUPLICATE_DEV_NAME');
      assert.equal((await store.queues.get(tenant.id, second.id))?.devName, 'Support');
      const page = await store.queues.list(tenant.id, { limit: 10, after: null });
      assert.deepEqual(
        page.items.map((x) => x.id),
        [q.id, second.id],
      );
    });

    test('references: a queue or channel in use cannot be removed; removing an entry point drops its exception', async () => {
      const q = queue(tenant.id, 'Ref');
      await store.queues.insert(q);
      const c = channel(q.id);
      await store.channels.insert(c);
      await rejectsWith(store.queues.remove(tenant.id, q.id), 'QUEUE_IN_USE');
      const e = entryPoint(c.id, '+18005550101');
      await store.entryPoints.insert(e);
      await rejectsWith(store.entryPoints.insert(entryPoint(c.id, '+18005550101')), 'DUPLICATE_ENTRY_POINT');
      assert.deepEqual(await store.findEntryPointByAddress(tenant.id, 'voice', '+18005550101'), e);
      assert.equal(await store.findEntryPointByAddress(tenant.id, 'sms', '+18005550101'), null);
      await rejectsWith(store.channels.remove(tenant.id, c.id), 'CHANNEL_IN_USE');
      const exception = {
        tenantId: tenant.id,
        channelId: c.id,
        entryPointId: e.id,
        queueId: q.id,
        slaMinutes: 0.66,
        createdAt: at,
        updatedAt: at,
      };
      await store.insertException(exception);
      await rejectsWith(store.insertException(exception), 'EXCEPTION_EXISTS');
      assert.deepEqual(await store.listExceptions(tenant.id, c.id), [exception]);
      assert.equal(await store.entryPoints.remove(tenant.id, e.id), true);
      assert.equal(await store.getException(tenant.id, e.id), null);
      assert.equal(await store.channels.remove(tenant.id, c.id), true);
      assert.equal(await store.queues.remove(tenant.id, q.id), true);
    });

    test('replaceEntryPointSettings is all or nothing', async () => {
      const q = queue(tenant.id, 'Settings');
      await store.queues.insert(q);
      const c = channel(q.id);
      await store.channels.insert(c);
      const e = entryPoint(c.id, '+18005550202');
      await store.entryPoints.insert(e);
      const ex = {
        tenantId: tenant.id,
        channelId: c.id,
        entryPointId: e.id,
        queueId: q.id,
        slaMinutes: null,
        createdAt: at,
        updatedAt: at,
      };
      await store.replaceEntryPointSettings({ ...c, defaultEntryPointSlaMinutes: 5 }, [ex]);
      assert.equal((await store.channels.get(tenant.id, c.id))?.defaultEntryPointSlaMinutes, 5);
      await rejectsWith(store.replaceEntryPointSettings({ ...c, defaultEntryPointSlaMinutes: 9 }, [ex, ex]), 'EXCEPTION_EXISTS');
      assert.equal((await store.channels.get(tenant.id, c.id))?.defaultEntryPointSlaMinutes, 5);
      assert.equal((await store.listExceptions(tenant.id, c.id)).length, 1);
    });

    test('dispatch mappings: unique while active, flows in use, versions numbered and activated atomically', async () => {
      const f = flow();
      await store.flows.insert(f);
      assert.equal(await store.nextFlowVersionNumber(tenant.id, f.id), 1);
      const v1 = { id: newId(), tenantId: tenant.id, flowId: f.id, number: 1, label: null, definition: { a: 1 }, createdAt: at };
      await store.insertFlowVersion(v1, { flow: { ...f, activeVersionId: v1.id } });
      assert.equal((await store.flows.get(tenant.id, f.id))?.activeVersionId, v1.id);
      assert.equal(await store.nextFlowVersionNumber(tenant.id, f.id), 2);
      assert.deepEqual(await store.flowVersionIds(tenant.id, f.id), new Set([v1.id]));
      assert.deepEqual(await store.getFlowVersion(tenant.id, f.id, v1.id), v1);
      await assert.rejects(store.insertFlowVersion({ ...v1, id: newId() }, null));

      const mapping = (active: boolean): DispatchMapping => ({
        id: newId(),
        tenantId: tenant.id,
        name: 'M',
        description: null,
        channelType: 'voice',
        interactionField: 'contact-point',
        value: '+18005555565',
        flowId: f.id,
        version: null,
        active,
        createdAt: at,
        updatedAt: at,
      });
      const m1 = mapping(true);
      await store.dispatchMappings.insert(m1);
      await rejectsWith(store.dispatchMappings.insert(mapping(true)), 'DUPLICATE_DISPATCH_MAPPING');
      const m2 = mapping(false);
      await store.dispatchMappings.insert(m2);
      await rejectsWith(store.dispatchMappings.update({ ...m2, active: true }), 'DUPLICATE_DISPATCH_MAPPING');
      const candidates = (values: Record<string, string>, channelType = 'voice') =>
        store.findDispatchCandidates([tenant.id, other.id], { channelType, values }).then((list) => list.map((m) => m.id));
      assert.deepEqual(await candidates({ 'contact-point': '+18005555565', direction: 'inbound' }), [m1.id]);
      assert.deepEqual(await candidates({ 'contact-point': '+18005555565' }, 'sms'), []);
      assert.deepEqual(await candidates({ customer: '+18005555565' }), []);
      assert.deepEqual(await store.dispatchKeysInUse([tenant.id, other.id]), new Set(['voice/contact-point']));
      // A mapping on a field nothing keyed on before is found at once (no stale "field not in use").
      const byCustomer = { ...mapping(true), interactionField: 'customer' as const, channelType: 'any' as const };
      await store.dispatchMappings.insert(byCustomer);
      assert.deepEqual(await candidates({ customer: '+18005555565' }), [byCustomer.id]);
      await store.dispatchMappings.update({ ...byCustomer, active: false });
      assert.deepEqual(await candidates({ customer: '+18005555565' }), []);
      assert.equal(await store.isFlowDispatched(tenant.id, f.id), true);
      await rejectsWith(store.flows.remove(tenant.id, f.id), 'FLOW_IN_USE');
    });

    test('api keys: found by hash while not revoked', async () => {
      const key = { id: newId(), tenantId: tenant.id, name: 'k', prefix: 'sbk_abcdef', createdAt: at, revokedAt: null };
      await store.createApiKey(key, 'hash-1');
      assert.deepEqual(await store.findActiveApiKey('hash-1'), key);
      assert.equal(await store.revokeApiKey(other.id, key.id, at), false);
      assert.equal(await store.revokeApiKey(tenant.id, key.id, '2026-03-02T11:00:00.000Z'), true);
      assert.equal(await store.findActiveApiKey('hash-1'), null);
      assert.equal((await store.getApiKey(tenant.id, key.id))?.revokedAt, '2026-03-02T11:00:00.000Z');
    });

    test('interactions: idempotent creation, optimistic saves, ordered events', async () => {
      const first = interaction();
      const event = { interactionId: first.id, type: 'interaction.created', at, data: { n: 1 } };
      const created = await store.createInteraction({ interaction: first, events: [event] }, { key: 'k1', requestHash: 'h1' });
      assert.ok(created.created);
      // The events come back as stored, with the sequence numbers a reader of the history sees.
      assert.deepEqual(created.events, await store.listInteractionEvents(tenant.id, first.id));
      assert.deepEqual(
        created.events.map(({ seq: _, ...rest }) => rest),
        [event],
      );
      const duplicate = interaction();
      assert.deepEqual(
        await store.createInteraction(
          { interaction: duplicate, events: [{ ...event, interactionId: duplicate.id }] },
          { key: 'k1', requestHash: 'h2' },
        ),
        { created: false, interactionId: first.id, requestHash: 'h1' },
      );
      assert.equal(await store.getInteraction(tenant.id, duplicate.id), null);
      assert.equal(await store.getInteraction(other.id, first.id), null);

      const v2 = { ...first, state: 'transferred' as const, revision: 2 };
      const segment = interaction({ parentInteractionId: first.id });
      assert.equal(
        await store.saveInteractions([
          { interaction: v2, events: [{ ...event, type: 'interaction.transferred' }] },
          { interaction: segment, events: [{ ...event, interactionId: segment.id }] },
        ]),
        true,
      );
      // A second writer that read revision 1 loses, and nothing of its change is kept.
      const stale = { ...first, state: 'abandoned' as const, revision: 2 };
      const another = interaction();
      assert.equal(
        await store.saveInteractions([
          { interaction: another, events: [] },
          { interaction: stale, events: [{ ...event, type: 'interaction.abandoned' }] },
        ]),
        false,
      );
      assert.equal((await store.getInteraction(tenant.id, first.id))?.state, 'transferred');
      assert.equal(await store.getInteraction(tenant.id, another.id), null);
      const events = await store.listInteractionEvents(tenant.id, first.id);
      assert.deepEqual(
        events.map((e) => e.type),
        ['interaction.created', 'interaction.transferred'],
      );
      assert.ok((events[0]?.seq ?? 0) < (events[1]?.seq ?? 0));
      const transferred = await store.listInteractions(tenant.id, { state: 'transferred' }, { limit: 10, after: null });
      assert.deepEqual(
        transferred.items.map((i) => i.id),
        [first.id],
      );
    });

    test('saves of open interactions: the revision before wins once, across tenants nothing is seen', async () => {
      const open = interaction({ state: 'queued' });
      const event = { interactionId: open.id, type: 'interaction.created', at, data: {} };
      assert.ok((await store.createInteraction({ interaction: open, events: [event] }, null)).created);
      const read = await store.getInteraction(tenant.id, open.id);
      assert.equal(read?.revision, 1);
      const offered = { ...open, state: 'offered' as const, revision: 2 };
      const abandoned = { ...open, state: 'abandoned' as const, revision: 2 };
      assert.equal(await store.saveInteractions([{ interaction: offered, events: [] }]), true);
      assert.equal(await store.saveInteractions([{ interaction: abandoned, events: [] }]), false);
      // A save that skips a revision is as stale as one behind it.
      assert.equal(await store.saveInteractions([{ interaction: { ...offered, revision: 4 }, events: [] }]), false);
      assert.equal(await store.getInteraction(other.id, open.id), null);
      const elsewhere = { ...offered, tenantId: other.id, state: 'connected' as const, revision: 3 };
      assert.equal(await store.saveInteractions([{ interaction: elsewhere, events: [] }]), false);
      assert.equal((await store.getInteraction(tenant.id, open.id))?.state, 'offered');
      const connected = { ...offered, state: 'connected' as const, revision: 3 };
      assert.equal(
        await store.saveInteractions([{ interaction: connected, events: [{ ...event, type: 'interaction.connected' }] }]),
        true,
      );
      assert.deepEqual(
        (await store.listInteractionEvents(tenant.id, open.id)).map((e) => e.type),
        ['interaction.created', 'interaction.connected'],
      );
      assert.deepEqual(
        (await store.listInteractionsInStates(tenant.id, ['connected'])).map((i) => [i.id, i.revision]),
        [[open.id, 3]],
      );
    });

    test('waiting work is ordered by priority, due date, enqueue time; no-reply-needed is left out', async () => {
      const q = queue(tenant.id, 'Waiting');
      await store.queues.insert(q);
      const make = async (name: string, fields: Partial<Interaction>) => {
        const i = interaction({ queueId: q.id, attributes: { name }, ...fields });
        await store.createInteraction({ interaction: i, events: [] }, null);
        return name;
      };
      await make('late', { dueAt: '2026-03-02T11:00:00.000Z', enqueuedAt: '2026-03-02T09:00:00.000Z' });
      await make('overdue', { dueAt: '2026-03-02T09:50:00.000Z', enqueuedAt: '2026-03-02T09:40:00.000Z' });
      await make('tie-later', { dueAt: '2026-03-02T10:05:00.000Z', enqueuedAt: '2026-03-02T10:01:00.000Z' });
      await make('tie-earlier', { dueAt: '2026-03-02T10:05:00.000Z', enqueuedAt: '2026-03-02T10:00:00.000Z' });
      await make('urgent', { dueAt: '2026-03-02T23:00:00.000Z', priority: 5 });
      await make('skipped', { dueAt: '2026-03-02T08:00:00.000Z', noReplyNeeded: true });
      await make('answered', { dueAt: '2026-03-02T08:00:00.000Z', state: 'connected' });
      const waiting = await store.listQueueWaiting(tenant.id, q.id, { limit: 10, includeNoReplyNeeded: false });
      assert.deepEqual(
        waiting.map((i) => i.attributes.name),
        ['urgent', 'overdue', 'tie-earlier', 'tie-later', 'late'],
      );
      await rejectsWith(store.queues.remove(tenant.id, q.id), 'QUEUE_IN_USE');
    });

    test('contacts: found by any number or address, each held by one contact; a deleted agent stops being a favourite', async () => {
      const agent: Agent = {
        id: newId(),
        tenantId: tenant.id,
        name: 'Ada',
        email: `ada${newId().slice(-6)}@example.com`,
        employeeId: null,
        attributes: {},
        capacity: { voice: 1, sms: 1, email: 1, messaging: 1, 'work-item': 1 },
        voiceBlocksOtherWork: true,
        queueIds: [],
        presence: { status: 'offline', reason: null, since: at },
        createdAt: at,
        updatedAt: at,
      };
      await store.agents.insert(agent);
      const contact: Contact = {
        id: newId(),
        tenantId: tenant.id,
        title: null,
        firstName: 'John',
        lastName: 'Smith',
        phoneNumbers: ['+15065550101', '+15065550102'],
        emailAddresses: ['john@example.com'],
        favoriteAgentId: agent.id,
        ownerIntegrationUserId: null,
        attributes: {},
        createdAt: at,
        updatedAt: at,
      };
      await store.contacts.insert(contact);
      assert.deepEqual(await store.findContactByAddress(tenant.id, '+15065550102'), contact);
      assert.deepEqual(await store.findContactByAddress(tenant.id, 'john@example.com'), contact);
      assert.equal(await store.findContactByAddress(other.id, '+15065550101'), null);
      // The same number in another tenant is another customer's.
      const elsewhere = { ...contact, id: newId(), tenantId: other.id, favoriteAgentId: null };
      await store.contacts.insert(elsewhere);
      const taken = { ...contact, id: newId(), phoneNumbers: ['+15065550199', '+15065550101'], emailAddresses: [] };
      await rejectsWith(store.contacts.insert(taken), 'DUPLICATE_CONTACT_ADDRESS');
      assert.equal(await store.contacts.get(tenant.id, taken.id), null, 'nothing of a refused contact is stored');
      assert.equal(await store.findContactByAddress(tenant.id, '+15065550199'), null);
      // An update replaces the numbers: the dropped one is free again.
      const moved = { ...contact, phoneNumbers: ['+15065550102'] };
      assert.equal(await store.contacts.update(moved), true);
      assert.equal(await store.findContactByAddress(tenant.id, '+15065550101'), null);
      await store.contacts.insert({ ...taken, phoneNumbers: ['+15065550101'] });
      assert.equal((await store.findContactByAddress(tenant.id, '+15065550101'))?.id, taken.id);
      assert.equal(await store.agents.remove(tenant.id, agent.id), true);
      assert.equal((await store.contacts.get(tenant.id, contact.id))?.favoriteAgentId, null);
      assert.equal(await store.contacts.remove(tenant.id, contact.id), true);
      assert.equal(await store.findContactByAddress(tenant.id, 'john@example.com'), null);
      assert.equal(await store.contacts.remove(tenant.id, contact.id), false);
    });

    test('telephony: call centers by issuer, unique routing maps, voice calls by id or vendor key, token ids once', async () => {
      const callCenter = {
        id: newId(),
        tenantId: tenant.id,
        name: 'Connect',
        apiName: `cc${newId().slice(-6)}`,
        orgId: '00DORG',
        audience: 'https://scrt.salesforce.com',
        certificates: ['pem'],
        createdAt: at,
        updatedAt: at,
      };
      await store.callCenters.insert(callCenter);
      assert.deepEqual(await store.findCallCentersByIssuer('00DORG', callCenter.apiName), [callCenter]);
      assert.deepEqual(await store.findCallCentersByIssuer('00DOTHER', callCenter.apiName), []);
      // Another tenant may register the same issuer pair (its tokens are told apart by their key); the
      // same tenant may not have the apiName twice.
      const elsewhere = { ...callCenter, id: newId(), tenantId: other.id, certificates: ['other pem'] };
      await store.callCenters.insert(elsewhere);
      assert.deepEqual(
        (await store.findCallCentersByIssuer('00DORG', callCenter.apiName)).map((c) => c.id).sort(),
        [callCenter.id, elsewhere.id].sort(),
      );
      await rejectsWith(store.callCenters.insert({ ...callCenter, id: newId() }), 'DUPLICATE_CALL_CENTER');
      assert.equal(await store.callCenters.remove(other.id, elsewhere.id), true);

      const q = queue(tenant.id, `Tq${newId().slice(-6)}`);
      await store.queues.insert(q);
      const map = {
        id: newId(),
        tenantId: tenant.id,
        callCenterId: callCenter.id,
        referenceType: 'queue' as const,
        referenceId: q.id,
        externalId: 'arn:queue/1',
        developerName: 'd',
        masterLabel: null,
        quickConnect: null,
        createdAt: at,
        updatedAt: at,
      };
      await store.routingMaps.insert(map);
      assert.deepEqual(await store.findRoutingMap(callCenter.id, 'queue', q.id), map);
      await rejectsWith(store.routingMaps.insert({ ...map, id: newId(), referenceId: 'another' }), 'DUPLICATE_ROUTING_MAP');
      assert.equal((await store.listRoutingMaps(tenant.id, callCenter.id, { limit: 10, after: null })).items.length, 1);
      await rejectsWith(store.callCenters.remove(tenant.id, callCenter.id), 'CALL_CENTER_IN_USE');

      const voiceCall = {
        callCenterId: callCenter.id,
        vendorCallKey: 'contact-1',
        providerName: null,
        from: '+15065550000',
        to: '+18005550000',
        initiationMethod: 'Inbound' as const,
        startTime: at,
        endTime: null,
        enqueueTime: null,
        acceptTime: null,
        callAttributes: {},
        participants: [],
        parentVoiceCallId: null,
        details: {},
        pendingRouting: null,
        missed: false,
      };
      const first = interaction({ voiceCall });
      await store.createInteraction({ interaction: first, events: [] }, null);
      const transfer = interaction({ voiceCall: { ...voiceCall, parentVoiceCallId: first.id } });
      await store.createInteraction({ interaction: transfer, events: [] }, null);
      assert.equal((await store.findVoiceCall(tenant.id, callCenter.id, first.id))?.id, first.id);
      // The vendor key finds the newest record that has it (a transfer reuses the key).
      assert.equal((await store.findVoiceCall(tenant.id, callCenter.id, 'contact-1'))?.id, transfer.id);
      assert.equal(await store.findVoiceCall(other.id, callCenter.id, first.id), null);

      assert.equal(await store.recordTokenId(callCenter.id, 'j1', '2026-03-02T11:00:00.000Z', at), true);
      assert.equal(await store.recordTokenId(callCenter.id, 'j1', '2026-03-02T11:00:00.000Z', at), false);
      // Expired ids are forgotten: once the token cannot be used any more, neither can its id be replayed.
      assert.equal(await store.recordTokenId(callCenter.id, 'j2', '2026-03-02T11:00:00.000Z', '2026-03-02T12:00:00.000Z'), true);
      assert.equal(await store.recordTokenId(callCenter.id, 'j1', '2026-03-02T13:00:00.000Z', '2026-03-02T12:00:00.000Z'), true);
    });

    test('everything written is there after the store is closed and opened again', async () => {
      const q = queue(tenant.id, 'Durable');
      await store.queues.insert(q);
      const before = interaction({ state: 'queued' });
      const event = { interactionId: before.id, type: 'interaction.created', at, data: { n: 1 } };
      const created = await store.createInteraction({ interaction: before, events: [event, { ...event, type: 'x' }] }, null);
      assert.ok(created.created);
      await store.close();
      store = await factory.open();
      assert.deepEqual(await store.queues.get(tenant.id, q.id), q);
      assert.deepEqual(await store.getTenant(tenant.id), tenant);
      assert.deepEqual(await store.getInteraction(tenant.id, before.id), before);
      // Event numbering goes on after the last event written before, without reusing a number.
      const after = interaction();
      const next = await store.createInteraction({ interaction: after, events: [{ ...event, interactionId: after.id }] }, null);
      assert.ok(next.created);
      const latest = await store.latestEventSeq(tenant.id);
      assert.equal(next.events[0]?.seq, latest);
      assert.ok(latest > (created.events[1]?.seq ?? Infinity));
      assert.deepEqual(await store.listInteractionEvents(tenant.id, before.id), created.events);
    });

    test('events are numbered in the order they are written, whichever way they are written', async () => {
      const start = await store.latestEventSeq(tenant.id);
      const plain = interaction({ state: 'queued' });
      const keyed = interaction({ state: 'queued' });
      const event = (id: string, type: string) => ({ interactionId: id, type, at, data: { type } });
      const a = await store.createInteraction(
        { interaction: plain, events: [event(plain.id, 'a1'), event(plain.id, 'a2')] },
        null,
      );
      const b = await store.createInteraction(
        { interaction: keyed, events: [event(keyed.id, 'b1')] },
        { key: 'seq-key', requestHash: 'h' },
      );
      const saved = await store.saveInteractions([
        { interaction: { ...plain, state: 'offered', revision: 2 }, events: [event(plain.id, 'c1')] },
      ]);
      const unknown = interaction({ state: 'queued' });
      const d = await store.createInteraction({ interaction: unknown, events: [event(unknown.id, 'd1')] }, null);
      assert.ok(a.created && b.created && d.created && saved);
      // What each create answered is what a reader of the history finds.
      assert.deepEqual(a.events, await store.listInteractionEvents(tenant.id, plain.id).then((events) => events.slice(0, 2)));
      assert.deepEqual(b.events, await store.listInteractionEvents(tenant.id, keyed.id));
      const feed = await store.listEvents(tenant.id, start, 100);
      assert.deepEqual(
        feed.map((e) => e.type),
        ['a1', 'a2', 'b1', 'c1', 'd1'],
      );
      const seqs = feed.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
      );
      assert.equal(new Set(seqs).size, seqs.length);
    });

    test('conversations: messages saved with their interaction, in arrival order, known by provider id, paged', async () => {
      const call = interaction({ state: 'connected' });
      const message = (n: number, externalId: string | null): ConversationMessage => ({
        id: newId(),
        tenantId: tenant.id,
        interactionId: call.id,
        kind: 'transcript',
        direction: n % 2 === 0 ? 'inbound' : 'outbound',
        author: n % 2 === 0 ? 'customer' : 'agent',
        text: `utterance ${n}`,
        externalId,
        sender: { type: 'END_USER', id: null },
        sentAt: at,
        endedAt: at,
        createdAt: at,
      });
      const m1 = message(1, 'a');
      const m2 = message(2, 'b');
      const m3 = message(3, null);
      const m4 = message(4, 'd');
      assert.ok((await store.createInteraction({ interaction: call, events: [], messages: [m1] }, null)).created);
      // Two saves in one turn (the SQLite store folds them into one write): both keep their messages.
      const saves = [
        await store.saveInteractions([{ interaction: { ...call, revision: 2 }, events: [], messages: [m2, m3] }]),
        await store.saveInteractions([{ interaction: { ...call, revision: 3 }, events: [], messages: [m4] }]),
      ];
      assert.deepEqual(saves, [true, true]);
      // A stale save stores none of its messages.
      const lost = message(5, 'e');
      assert.equal(
        await store.saveInteractions([{ interaction: { ...call, revision: 3 }, events: [], messages: [lost] }]),
        false,
      );
      const first = await store.listConversation(tenant.id, call.id, { limit: 3, after: null });
      assert.deepEqual(
        first.items.map((m) => m.text),
        ['utterance 1', 'utterance 2', 'utterance 3'],
      );
      assert.deepEqual(first.items[0], m1);
      const rest = await store.listConversation(tenant.id, call.id, { limit: 3, after: first.nextCursor as string });
      assert.deepEqual(
        rest.items.map((m) => m.id),
        [m4.id],
      );
      assert.equal(rest.nextCursor, null);
      assert.deepEqual((await store.findConversationExternalIds(tenant.id, call.id, ['a', 'd', 'e', 'x'])).sort(), ['a', 'd']);
      assert.deepEqual(await store.findConversationExternalIds(other.id, call.id, ['a']), []);
      assert.deepEqual((await store.listConversation(other.id, call.id, { limit: 10, after: null })).items, []);
    });

    test('messaging: threads, messages updated by id and found by provider id, the outbox, channel secrets', async () => {
      const chat = interaction({
        state: 'queued',
        channelType: 'messaging',
        medium: 'whatsapp',
        contactPoint: '+18005550100',
        customer: '+15065550100',
      });
      const thread = conversationThread(chat) as string;
      assert.equal(thread, 'messaging/whatsapp/+18005550100/+15065550100');
      assert.equal(conversationThread({ ...chat, channelType: 'voice' }), null);
      const message: ConversationMessage = {
        id: newId(),
        tenantId: tenant.id,
        interactionId: chat.id,
        kind: 'message',
        direction: 'outbound',
        author: 'agent',
        text: 'Hello',
        externalId: null,
        sender: null,
        sentAt: at,
        endedAt: null,
        createdAt: at,
        status: 'queued',
      };
      const item = (n: number): OutboxItem => ({
        id: `${newId()}-${n}`,
        tenantId: tenant.id,
        orderingKey: chat.id,
        destination: 'messaging',
        payload: { interactionId: chat.id, messageId: message.id },
        attempts: 0,
        nextAttemptAt: at,
        lastError: null,
        state: 'pending',
        createdAt: at,
      });
      const [first, second] = [item(1), item(2)];
      const before = (await store.listPendingOutbox(1000)).length;
      assert.ok(
        (await store.createInteraction({ interaction: chat, events: [], messages: [message], outbox: [first, second] }, null))
          .created,
      );
      assert.equal((await store.findLatestInThread(tenant.id, thread))?.id, chat.id);
      assert.equal(await store.findLatestInThread(other.id, thread), null);
      const pending = (await store.listPendingOutbox(1000)).filter((i) => i.orderingKey === chat.id);
      assert.deepEqual(
        pending.map((i) => i.id),
        [first.id, second.id],
      );
      assert.equal((await store.listPendingOutbox(1000)).length, before + 2);
      await store.retryOutbox(first.id, 1, '2030-01-01T00:00:00.000Z', 'HTTP 503');
      const retried = (await store.listPendingOutbox(1000)).find((i) => i.id === first.id);
      assert.deepEqual(
        [retried?.attempts, retried?.nextAttemptAt, retried?.lastError],
        [1, '2030-01-01T00:00:00.000Z', 'HTTP 503'],
      );
      // Sent: the message takes the provider's id and status with the change that settles the item.
      const sent = { ...message, externalId: 'wamid.1', status: 'sent' as const };
      assert.equal(
        await store.saveInteractions([
          {
            interaction: { ...chat, revision: 2 },
            events: [],
            messages: [sent],
            settle: [{ id: first.id, outcome: 'sent', error: null }],
          },
        ]),
        true,
      );
      assert.deepEqual(await store.getConversationMessage(tenant.id, message.id), sent);
      assert.deepEqual(await store.findMessageByExternalId(tenant.id, 'wamid.1'), sent);
      assert.equal(await store.findMessageByExternalId(other.id, 'wamid.1'), null);
      assert.equal((await store.listConversation(tenant.id, chat.id, { limit: 10, after: null })).items.length, 1);
      // Refused: the item stays, failed, with the reason; it is no longer pending.
      assert.equal(
        await store.saveInteractions([
          {
            interaction: { ...chat, revision: 3 },
            events: [],
            settle: [{ id: second.id, outcome: 'failed', error: 'HTTP 400' }],
          },
        ]),
        true,
      );
      assert.deepEqual(
        (await store.listPendingOutbox(1000)).filter((i) => i.orderingKey === chat.id),
        [],
      );
      // Credentials: replaced whole, per channel and tenant.
      const voice = channel((await store.queues.list(tenant.id, { limit: 1, after: null })).items[0]?.id ?? '');
      await store.channels.insert(voice);
      assert.deepEqual(await store.getChannelSecrets(tenant.id, voice.id), {});
      await store.setChannelSecrets(tenant.id, voice.id, { accessToken: 'a', appSecret: 'b' });
      await store.setChannelSecrets(tenant.id, voice.id, { accessToken: 'c' });
      assert.deepEqual(await store.getChannelSecrets(tenant.id, voice.id), { accessToken: 'c' });
      assert.deepEqual(await store.getChannelSecrets(other.id, voice.id), {});
      assert.equal(await store.channels.remove(tenant.id, voice.id), true);
      assert.deepEqual(await store.getChannelSecrets(tenant.id, voice.id), {});
    });

    test('changes of one interaction in quick succession: the last revision, every event, only the timers left set', async () => {
      const start = await store.latestEventSeq(tenant.id);
      const first = interaction({ state: 'queued' });
      const event = (type: string) => ({ interactionId: first.id, type, at, data: { type } });
      const timer = (kind: 'offer' | 'wrap-up') => ({
        id: newId(),
        tenantId: tenant.id,
        interactionId: first.id,
        kind,
        dueAt: at,
      });
      const offerTimer = timer('offer');
      const wrapUpTimer = timer('wrap-up');
      // Each change is made on top of the one before without waiting for the database in between:
      // an engine turn that creates, offers, and (an agent quick on the button) accepts and ends.
      const created = await store.createInteraction({ interaction: first, events: [event('created')] }, null);
      const offered = { ...first, state: 'offered' as const, revision: 2 };
      const saves = [
        await store.saveInteractions([
          { interaction: offered, events: [event('offered')], timers: { set: [offerTimer], cancel: [] } },
        ]),
        await store.saveInteractions([
          {
            interaction: { ...offered, state: 'connected', revision: 3 },
            events: [event('accepted')],
            timers: { set: [], cancel: [offerTimer.id] },
          },
        ]),
        await store.saveInteractions([
          {
            interaction: { ...offered, state: 'wrap_up', revision: 4 },
            events: [event('ended')],
            timers: { set: [wrapUpTimer], cancel: [] },
          },
        ]),
      ];
      assert.ok(created.created);
      assert.deepEqual(saves, [true, true, true]);
      await store.committed();
      await store.close();
      store = await factory.open();
      assert.deepEqual(await store.getInteraction(tenant.id, first.id), { ...offered, state: 'wrap_up', revision: 4 });
      const history = await store.listInteractionEvents(tenant.id, first.id);
      assert.deepEqual(
        history.map((e) => e.type),
        ['created', 'offered', 'accepted', 'ended'],
      );
      assert.deepEqual(history[0], created.events[0]);
      assert.deepEqual(
        (await store.listEvents(tenant.id, start, 100)).map((e) => e.seq),
        history.map((e) => e.seq),
      );
      const timers = (await store.listTimers()).filter((t) => t.interactionId === first.id);
      assert.deepEqual(timers, [wrapUpTimer]);
      // The next change still has to be made on top of the last one.
      const stale = { ...offered, state: 'completed' as const, revision: 4 };
      assert.equal(await store.saveInteractions([{ interaction: stale, events: [] }]), false);
    });
  });
}
