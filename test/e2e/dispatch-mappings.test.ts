import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTenant, type Harness, make, routeByEntryPoint, startHarness } from '../support/harness.js';

// CONTRACT.md §0(c): every acceptance scenario of seed 000, through the HTTP API.

let h: Harness;
let base: string;
let flowF: string;
let flowV1: string;
let reusableFlow: string;

before(async () => {
  h = await startHarness();
  ({ base } = await createTenant(h));
  const general = await make(h, `${base}/queues`, { name: 'General' });
  await make(h, `${base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: general.id });
  const flow = await make(h, `${base}/flows`, { name: 'IVR', definition: routeByEntryPoint });
  flowF = flow.id;
  flowV1 = flow.activeVersionId;
  reusableFlow = (await make(h, `${base}/flows`, { name: 'Sub', reusable: true, definition: routeByEntryPoint })).id;
});
after(() => h.close());

function mapping(fields: Record<string, unknown>) {
  return h.call('POST', `${base}/dispatch-mappings`, { body: { name: 'M', flowId: flowF, ...fields } });
}

function codes(body: { errors: { code: string; field?: string }[] }) {
  return body.errors.map((e) => `${e.code}:${e.field ?? ''}`);
}

describe('admin API (0(c) 1–17)', () => {
  test('1. create, happy path: 201, uuid id, version null, GET returns the same fields', async () => {
    const created = await mapping({
      name: 'Main',
      channelType: 'voice',
      interactionField: 'contact-point',
      value: '+18005555565',
      active: true,
    });
    assert.equal(created.status, 201);
    const result = created.body.result;
    assert.match(result.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(result.version, null);
    const fetched = await h.call('GET', `${base}/dispatch-mappings/${result.id}`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body.result, result);
    await h.call('DELETE', `${base}/dispatch-mappings/${result.id}`);
  });

  test('2. defaults: channelType any, interactionField customer, active true, version null', async () => {
    const created = await mapping({ name: 'Defaults', value: '+15065550001' });
    assert.equal(created.status, 201);
    const { channelType, interactionField, active, version } = created.body.result;
    assert.deepEqual(
      { channelType, interactionField, active, version },
      {
        channelType: 'any',
        interactionField: 'customer',
        active: true,
        version: null,
      },
    );
  });

  test('3. name required: empty or whitespace → 400 REQUIRED name', async () => {
    for (const name of ['', '   ']) {
      const response = await mapping({ name, value: '+15065550002' });
      assert.equal(response.status, 400);
      assert.deepEqual(codes(response.body), ['REQUIRED:name']);
    }
    const missing = await h.call('POST', `${base}/dispatch-mappings`, { body: { flowId: flowF, value: '+15065550002' } });
    assert.deepEqual(codes(missing.body), ['REQUIRED:name']);
  });

  test('4. flow required, unknown flow and another tenant flow → FLOW_NOT_FOUND', async () => {
    const missing = await h.call('POST', `${base}/dispatch-mappings`, { body: { name: 'x', value: '+15065550003' } });
    assert.equal(missing.status, 400);
    assert.deepEqual(codes(missing.body), ['REQUIRED:flowId']);
    const unknown = await mapping({ value: '+15065550003', flowId: '01900000-0000-7000-8000-000000000000' });
    assert.deepEqual(codes(unknown.body), ['FLOW_NOT_FOUND:flowId']);
    const other = await createTenant(h, { name: 'Other' });
    const otherFlow = await make(h, `${other.base}/flows`, { name: 'Theirs' });
    const foreign = await mapping({ value: '+15065550003', flowId: otherFlow.id });
    assert.equal(foreign.status, 400);
    assert.deepEqual(codes(foreign.body), ['FLOW_NOT_FOUND:flowId']);
  });

  test('5. reusable flow → FLOW_NOT_DISPATCHABLE', async () => {
    const response = await mapping({ value: '+15065550004', flowId: reusableFlow });
    assert.equal(response.status, 400);
    assert.deepEqual(codes(response.body), ['FLOW_NOT_DISPATCHABLE:flowId']);
  });

  test('6. version must belong to the flow', async () => {
    const otherFlow = await make(h, `${base}/flows`, { name: 'Other flow', definition: routeByEntryPoint });
    const response = await mapping({ value: '+15065550005', version: otherFlow.activeVersionId });
    assert.equal(response.status, 400);
    assert.deepEqual(codes(response.body), ['FLOW_VERSION_NOT_FOUND:version']);
    const pinned = await mapping({ value: '+15065550005', version: flowV1 });
    assert.equal(pinned.status, 201);
    assert.equal(pinned.body.result.version, flowV1);
    // The vendor UI sends the string "null" for "Active Version".
    const nullString = await mapping({ value: '+15065550006', version: 'null' });
    assert.equal(nullString.body.result.version, null);
  });

  test('7. enum validation', async () => {
    const chat = await mapping({ value: 'x', channelType: 'chat' });
    assert.equal(chat.status, 400);
    assert.deepEqual(codes(chat.body), ['INVALID_ENUM:channelType']);
    const queue = await mapping({ value: 'x', interactionField: 'queue' });
    assert.deepEqual(codes(queue.body), ['INVALID_ENUM:interactionField']);
  });

  test('8. voice/sms/messaging contact points: E.164 or SIP', async () => {
    for (const channelType of ['voice', 'sms', 'messaging']) {
      for (const [value, stored] of [
        ['+18005555566', '+18005555566'],
        ['sip:Alice@Example.com', 'sip:Alice@example.com'],
        ['+1 (800) 555-5567', '+18005555567'],
      ]) {
        const ok = await mapping({ channelType, interactionField: 'contact-point', value });
        assert.equal(ok.status, 201, `${channelType} ${value}`);
        assert.equal(ok.body.result.value, stored);
        await h.call('DELETE', `${base}/dispatch-mappings/${ok.body.result.id}`);
      }
      for (const value of ['18005555565', '+0123', 'abc']) {
        const bad = await mapping({ channelType, interactionField: 'contact-point', value });
        assert.equal(bad.status, 400);
        assert.deepEqual(codes(bad.body), ['INVALID_E164_OR_SIP:value'], `${channelType} ${value}`);
      }
      const empty = await mapping({ channelType, interactionField: 'contact-point', value: '' });
      assert.deepEqual(codes(empty.body), ['REQUIRED:value']);
    }
  });

  test('9. email contact points', async () => {
    const ok = await mapping({ channelType: 'email', interactionField: 'contact-point', value: 'Support@Example.com' });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.result.value, 'support@example.com');
    const bad = await mapping({ channelType: 'email', interactionField: 'contact-point', value: 'support@' });
    assert.deepEqual(codes(bad.body), ['INVALID_EMAIL:value']);
    const empty = await mapping({ channelType: 'email', interactionField: 'contact-point', value: '' });
    assert.deepEqual(codes(empty.body), ['REQUIRED:value']);
  });

  test('10. customer values: national numbers with the default country; else INVALID_E164; email on email', async () => {
    const national = await mapping({ channelType: 'voice', interactionField: 'customer', value: '15062345678' });
    assert.equal(national.status, 201);
    assert.equal(national.body.result.value, '+15062345678');
    const noCountry = await createTenant(h, { name: 'No country', defaultCountry: null });
    const theirFlow = await make(h, `${noCountry.base}/flows`, { name: 'F' });
    const refused = await h.call('POST', `${noCountry.base}/dispatch-mappings`, {
      body: { name: 'x', channelType: 'sms', interactionField: 'customer', value: '15062345678', flowId: theirFlow.id },
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(codes(refused.body), ['INVALID_E164:value']);
    const email = await mapping({ channelType: 'email', interactionField: 'customer', value: 'not-an-email' });
    assert.deepEqual(codes(email.body), ['INVALID_EMAIL:value']);
  });

  test('11. direction values, case-insensitive', async () => {
    for (const [channelType, value] of [
      ['voice', 'inbound'],
      ['voice', 'outbound'],
      ['voice', 'agent-initiated'],
      ['sms', 'Inbound'],
    ]) {
      const ok = await mapping({ channelType, interactionField: 'direction', value });
      assert.equal(ok.status, 201);
      assert.equal(ok.body.result.value, value?.toLowerCase());
      await h.call('DELETE', `${base}/dispatch-mappings/${ok.body.result.id}`);
    }
    const bad = await mapping({ interactionField: 'direction', value: 'transfer' });
    assert.deepEqual(codes(bad.body), ['INVALID_DIRECTION:value']);
  });

  test('12. source must name an integration of the tenant (by id or type)', async () => {
    const bad = await mapping({ channelType: 'messaging', interactionField: 'source', value: 'smooch' });
    assert.equal(bad.status, 400);
    assert.deepEqual(codes(bad.body), ['INTEGRATION_NOT_FOUND:value']);
    const integration = await make(h, `${base}/integrations`, { name: 'Smooch', type: 'smooch' });
    const byType = await mapping({ channelType: 'messaging', interactionField: 'source', value: 'smooch' });
    assert.equal(byType.status, 201);
    const byId = await mapping({ channelType: 'messaging', interactionField: 'source', value: integration.id });
    assert.equal(byId.status, 201);
    // The integration cannot disappear under the mappings that name it.
    const remove = await h.call('DELETE', `${base}/integrations/${integration.id}`);
    assert.equal(remove.status, 409);
    assert.equal(remove.body.errors[0].code, 'INTEGRATION_IN_USE');
  });

  test('13. duplicates: 409 for a second active one; inactive allowed; activating it → 409', async () => {
    const key = { channelType: 'voice', interactionField: 'contact-point', value: '+18005555000' };
    assert.equal((await mapping(key)).status, 201);
    const second = await mapping({ ...key, value: '+1 800 555 5000' });
    assert.equal(second.status, 409);
    assert.equal(second.body.errors[0].code, 'DUPLICATE_DISPATCH_MAPPING');
    const inactive = await mapping({ ...key, active: false });
    assert.equal(inactive.status, 201);
    const activate = await h.call('PUT', `${base}/dispatch-mappings/${inactive.body.result.id}`, { body: { active: true } });
    assert.equal(activate.status, 409);
    assert.equal(activate.body.errors[0].code, 'DUPLICATE_DISPATCH_MAPPING');
    const still = await h.call('GET', `${base}/dispatch-mappings/${inactive.body.result.id}`);
    assert.equal(still.body.result.active, false);
  });

  test('14. same value in another field is allowed', async () => {
    const contactPoint = await mapping({ channelType: 'voice', interactionField: 'contact-point', value: '+18005555100' });
    const customer = await mapping({ channelType: 'voice', interactionField: 'customer', value: '+18005555100' });
    assert.equal(contactPoint.status, 201);
    assert.equal(customer.status, 201);
  });

  test('15. tenant isolation: absent from the other list, 404 by id, also with the other tenant key', async () => {
    const mine = await mapping({ channelType: 'sms', interactionField: 'customer', value: '+15065559999' });
    const other = await createTenant(h, { name: 'B' });
    const list = await h.call('GET', `${other.base}/dispatch-mappings`);
    assert.equal(list.status, 200);
    assert.equal(
      list.body.result.some((m: { id: string }) => m.id === mine.body.result.id),
      false,
    );
    const byId = await h.call('GET', `${other.base}/dispatch-mappings/${mine.body.result.id}`);
    assert.equal(byId.status, 404);
    const key = await make(h, `${other.base}/api-keys`, { name: 'b' });
    const withKey = await h.call('GET', `${base}/dispatch-mappings/${mine.body.result.id}`, { token: key.key });
    assert.equal(withKey.status, 404);
    const update = await h.call('PUT', `${other.base}/dispatch-mappings/${mine.body.result.id}`, { body: { name: 'x' } });
    assert.equal(update.status, 404);
  });

  test('16. an inherited mapping is read-only in the child tenant', async () => {
    const parent = await createTenant(h, { name: 'Parent' });
    const parentFlow = await make(h, `${parent.base}/flows`, { name: 'P', definition: routeByEntryPoint });
    const inherited = await make(h, `${parent.base}/dispatch-mappings`, {
      name: 'Parent catch-all',
      interactionField: 'direction',
      value: 'inbound',
      flowId: parentFlow.id,
    });
    const child = await createTenant(h, { name: 'Child', parentTenantId: parent.id });
    const seen = await h.call('GET', `${child.base}/dispatch-mappings/${inherited.id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.result.inherited, true);
    const listed = await h.call('GET', `${child.base}/dispatch-mappings`);
    assert.equal(listed.body.result.find((m: { id: string }) => m.id === inherited.id)?.inherited, true);
    const put = await h.call('PUT', `${child.base}/dispatch-mappings/${inherited.id}`, { body: { name: 'mine now' } });
    assert.equal(put.status, 403);
    assert.equal(put.body.errors[0].code, 'INHERITED_READ_ONLY');
    const del = await h.call('DELETE', `${child.base}/dispatch-mappings/${inherited.id}`);
    assert.equal(del.status, 403);
    const unchanged = await h.call('GET', `${parent.base}/dispatch-mappings/${inherited.id}`);
    assert.equal(unchanged.body.result.name, 'Parent catch-all');
    assert.equal(unchanged.body.result.inherited, false);
  });

  test('17. bulk toggle with per-id results; unknown ids do not fail the rest', async () => {
    const a = await mapping({ channelType: 'email', interactionField: 'customer', value: 'a@example.com' });
    const b = await mapping({ channelType: 'email', interactionField: 'customer', value: 'b@example.com' });
    const unknown = '01900000-0000-7000-8000-00000000abcd';
    const response = await h.call('PATCH', `${base}/dispatch-mappings`, {
      body: { ids: [a.body.result.id, unknown, b.body.result.id], active: false },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.result.map((r: { id: string; status: number }) => [r.id, r.status]),
      [
        [a.body.result.id, 200],
        [unknown, 404],
        [b.body.result.id, 200],
      ],
    );
    assert.equal(response.body.result[1].errors[0].code, 'NOT_FOUND');
    for (const id of [a.body.result.id, b.body.result.id]) {
      assert.equal((await h.call('GET', `${base}/dispatch-mappings/${id}`)).body.result.active, false);
    }
  });

  test('DELETE removes a mapping (Q0.5) and the list pages with a cursor', async () => {
    const created = await mapping({ channelType: 'work-item', interactionField: 'customer', value: 'crm-42' });
    assert.equal((await h.call('DELETE', `${base}/dispatch-mappings/${created.body.result.id}`)).status, 204);
    assert.equal((await h.call('GET', `${base}/dispatch-mappings/${created.body.result.id}`)).status, 404);
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { result: { id: string }[]; nextCursor: string | null } } = await h.call(
        'GET',
        `${base}/dispatch-mappings?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.ok(page.body.result.length <= 2);
      all.push(...page.body.result.map((m) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const everything = await h.call('GET', `${base}/dispatch-mappings?limit=200`);
    assert.deepEqual(
      all,
      everything.body.result.map((m: { id: string }) => m.id),
    );
    assert.equal(new Set(all).size, all.length);
    const badCursor = await h.call('GET', `${base}/dispatch-mappings?cursor=nonsense`);
    assert.equal(badCursor.status, 400);
    assert.equal(badCursor.body.errors[0].code, 'INVALID_CURSOR');
  });
});

describe('dispatch (0(c) 18–25)', () => {
  let d: Harness;
  let t: { id: string; base: string };
  const flows: Record<string, { id: string; v1: string }> = {};

  before(async () => {
    d = await startHarness();
    t = await createTenant(d);
    const queue = await make(d, `${t.base}/queues`, { name: 'General' });
    for (const type of ['voice', 'sms', 'email']) {
      await make(d, `${t.base}/channels`, { name: type, type, defaultQueueId: queue.id });
    }
    for (const name of ['F1', 'F2', 'F3', 'F4']) {
      const flow = await make(d, `${t.base}/flows`, { name, definition: routeByEntryPoint });
      flows[name] = { id: flow.id, v1: flow.activeVersionId };
    }
  });
  after(() => d.close());

  async function map(name: string, fields: Record<string, unknown>, flow: string) {
    return make(d, `${t.base}/dispatch-mappings`, { name, flowId: flows[flow]?.id, ...fields });
  }
  async function arrive(fields: Record<string, unknown>) {
    const response = await d.call('POST', `${t.base}/interactions`, { body: { direction: 'inbound', ...fields } });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.result;
  }
  const call18 = { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065552222' };

  test('18. contact point dispatch runs the active version of F1', async () => {
    const m1 = await map('M1', { channelType: 'voice', interactionField: 'contact-point', value: '+18005555565' }, 'F1');
    const interaction = await arrive(call18);
    assert.equal(interaction.flowId, flows.F1?.id);
    assert.equal(interaction.flowVersionId, flows.F1?.v1);
    assert.equal(interaction.state, 'queued');
    assert.equal(interaction.dispatch.mappingId, m1.id);
    assert.match(interaction.dispatch.reason, /contact-point = \+18005555565/);
    assert.deepEqual(
      interaction.events.map((e: { type: string }) => e.type),
      ['interaction.created', 'interaction.dispatched', 'flow.started', 'interaction.in_flow', 'interaction.queued'],
    );
  });

  test('19. customer beats contact point', async () => {
    const m2 = await map('M2', { channelType: 'voice', interactionField: 'customer', value: '+15065552222' }, 'F2');
    const interaction = await arrive(call18);
    assert.equal(interaction.flowId, flows.F2?.id);
    assert.equal(interaction.dispatch.candidates, 2);
    await d.call('PUT', `${t.base}/dispatch-mappings/${m2.id}`, { body: { active: false } });
  });

  test('20. exact channel beats any; sms to the same contact point takes the any mapping', async () => {
    await map('M3', { channelType: 'any', interactionField: 'contact-point', value: '+18005555565' }, 'F3');
    assert.equal((await arrive(call18)).flowId, flows.F1?.id);
    const sms = await arrive({ ...call18, channelType: 'sms' });
    assert.equal(sms.flowId, flows.F3?.id);
  });

  test('21. direction catch-all; agent-initiated goes undispatched with NO_DISPATCH_MAPPING', async () => {
    await map('M4', { channelType: 'any', interactionField: 'direction', value: 'inbound' }, 'F4');
    const email = await arrive({ channelType: 'email', contactPoint: 'sales@example.com', customer: 'x@example.org' });
    assert.equal(email.flowId, flows.F4?.id);
    const work = await arrive({ channelType: 'work-item', source: 'crm' });
    assert.equal(work.flowId, flows.F4?.id);
    const outbound = await arrive({ channelType: 'email', direction: 'agent-initiated', customer: 'x@example.org' });
    assert.equal(outbound.state, 'undispatched');
    assert.equal(outbound.dispatchError, 'NO_DISPATCH_MAPPING');
    assert.equal(outbound.flowId, null);
    assert.deepEqual(
      outbound.events.map((e: { type: string }) => e.type),
      ['interaction.created', 'interaction.undispatched'],
    );
    const parked = await d.call('GET', `${t.base}/interactions?state=undispatched`);
    assert.deepEqual(
      parked.body.result.map((i: { id: string }) => i.id),
      [outbound.id],
    );
  });

  test('22. inactive mappings are ignored', async () => {
    const list = await d.call('GET', `${t.base}/dispatch-mappings?limit=200`);
    const m1 = list.body.result.find((m: { name: string }) => m.name === 'M1');
    await d.call('PUT', `${t.base}/dispatch-mappings/${m1.id}`, { body: { active: false } });
    assert.equal((await arrive(call18)).flowId, flows.F3?.id);
    await d.call('PUT', `${t.base}/dispatch-mappings/${m1.id}`, { body: { active: true } });
    assert.equal((await arrive(call18)).flowId, flows.F1?.id);
  });

  test('23. version binding: null follows the active version at dispatch time; a pinned one stays', async () => {
    const f1 = flows.F1;
    assert.ok(f1);
    const v2 = await make(d, `${t.base}/flows/${f1.id}/versions`, { definition: routeByEntryPoint, activate: true });
    assert.equal((await arrive(call18)).flowVersionId, v2.id);
    const list = await d.call('GET', `${t.base}/dispatch-mappings?limit=200`);
    const m1 = list.body.result.find((m: { name: string }) => m.name === 'M1');
    await d.call('PUT', `${t.base}/dispatch-mappings/${m1.id}`, { body: { version: f1.v1 } });
    const pinned = await arrive(call18);
    assert.equal(pinned.flowVersionId, f1.v1);
    assert.equal(pinned.dispatch.versionPinned, true);
    // Activating yet another version leaves the pinned mapping on v1.
    await d.call('PUT', `${t.base}/flows/${f1.id}`, { body: { activeVersionId: v2.id } });
    assert.equal((await arrive(call18)).flowVersionId, f1.v1);
  });

  test('a flow without an active version gives FLOW_VERSION_NOT_FOUND at dispatch', async () => {
    const empty = await make(d, `${t.base}/flows`, { name: 'Empty' });
    await make(d, `${t.base}/dispatch-mappings`, {
      name: 'To empty',
      channelType: 'sms',
      interactionField: 'customer',
      value: '+15065553333',
      flowId: empty.id,
    });
    const interaction = await arrive({ channelType: 'sms', customer: '+15065553333', contactPoint: '+18005555565' });
    assert.equal(interaction.state, 'undispatched');
    assert.equal(interaction.dispatchError, 'FLOW_VERSION_NOT_FOUND');
  });

  test('24. normalisation at match time: email case, phone formatting, national numbers', async () => {
    await map('Support', { channelType: 'email', interactionField: 'contact-point', value: 'support@example.com' }, 'F2');
    const email = await arrive({ channelType: 'email', contactPoint: 'Support@Example.COM', customer: 'a@b.org' });
    assert.equal(email.flowId, flows.F2?.id);
    assert.equal(email.contactPoint, 'support@example.com');
    const national = await arrive({ channelType: 'voice', contactPoint: '(800) 555-5565', customer: '506 555 2222' });
    assert.equal(national.contactPoint, '+18005555565');
    assert.equal(national.customer, '+15065552222');
  });

  test('25. a transfer creates an inbound segment matched by inbound mappings', async () => {
    const billing = await make(d, `${t.base}/queues`, { name: 'Billing', slaMinutes: 60 });
    // Outbound email: only the inbound catch-all M4 could match, and it does not.
    const outbound = await arrive({ channelType: 'email', direction: 'outbound', customer: 'z@example.org' });
    assert.equal(outbound.state, 'undispatched');
    const segment = await d.call('POST', `${t.base}/interactions/${outbound.id}/transfers`, { body: { queueId: billing.id } });
    assert.equal(segment.status, 201);
    assert.equal(segment.body.result.direction, 'inbound');
    assert.equal(segment.body.result.parentInteractionId, outbound.id);
    assert.equal(segment.body.result.flowId, flows.F4?.id);
    assert.equal(segment.body.result.dispatch.interactionField, 'direction');
    assert.equal(segment.body.result.queueId, billing.id);
    assert.equal(segment.body.result.state, 'queued');
    const original = await d.call('GET', `${t.base}/interactions/${outbound.id}`);
    assert.equal(original.body.result.state, 'transferred');
    assert.equal(original.body.result.events.at(-1).data.toInteractionId, segment.body.result.id);
    const again = await d.call('POST', `${t.base}/interactions/${outbound.id}/transfers`, { body: { queueId: billing.id } });
    assert.equal(again.status, 422);
    assert.equal(again.body.errors[0].code, 'INTERACTION_CLOSED');
  });

  test('inherited mappings dispatch in the child, below its own at equal specificity', async () => {
    const parent = await createTenant(d, { name: 'Parent' });
    const parentFlow = await make(d, `${parent.base}/flows`, { name: 'PF', definition: routeByEntryPoint });
    await make(d, `${parent.base}/dispatch-mappings`, {
      name: 'All inbound',
      interactionField: 'direction',
      value: 'inbound',
      flowId: parentFlow.id,
    });
    const child = await createTenant(d, { name: 'Child', parentTenantId: parent.id });
    const first = await d.call('POST', `${child.base}/interactions`, { body: { channelType: 'sms', customer: '+15065550000' } });
    assert.equal(first.body.result.flowId, parentFlow.id);
    assert.equal(first.body.result.dispatch.inherited, true);
    const childFlow = await make(d, `${child.base}/flows`, { name: 'CF', definition: routeByEntryPoint });
    await make(d, `${child.base}/dispatch-mappings`, {
      name: 'Mine',
      interactionField: 'direction',
      value: 'inbound',
      flowId: childFlow.id,
    });
    const second = await d.call('POST', `${child.base}/interactions`, { body: { channelType: 'sms', customer: '+15065550000' } });
    assert.equal(second.body.result.flowId, childFlow.id);
    assert.equal(second.body.result.dispatch.inherited, false);
  });

  test("an inherited mapping runs the parent's flow (and its subflows) on the child's interaction, queued in the child", async () => {
    const parent = await createTenant(d, { name: 'Parent' });
    await make(d, `${parent.base}/queues`, { name: 'Support', devName: 'Support' });
    await make(d, `${parent.base}/flows`, {
      name: 'Greeting',
      devName: 'Greeting',
      reusable: true,
      definition: { start: 'hi', steps: [{ id: 'hi', type: 'end', outputs: { priority: '7' } }] },
    });
    const parentFlow = await make(d, `${parent.base}/flows`, {
      name: 'Main',
      definition: {
        start: 'greet',
        steps: [
          { id: 'greet', type: 'subflow', flow: 'Greeting', exits: { next: 'queue' } },
          { id: 'queue', type: 'routeToQueue', queue: 'Support', priority: 'vars.greet.priority' },
        ],
      },
    });
    await make(d, `${parent.base}/dispatch-mappings`, {
      name: 'All inbound',
      interactionField: 'direction',
      value: 'inbound',
      flowId: parentFlow.id,
    });
    const child = await createTenant(d, { name: 'Child', parentTenantId: parent.id });
    const childSupport = await make(d, `${child.base}/queues`, { name: 'Support', devName: 'Support' });
    const created = await d.call('POST', `${child.base}/interactions`, {
      body: { channelType: 'sms', customer: '+15065550000' },
    });
    assert.equal(created.status, 201);
    const interaction = created.body.result;
    assert.equal(interaction.dispatch.inherited, true);
    assert.equal(interaction.state, 'queued', JSON.stringify(interaction.flowRun?.outcome));
    assert.equal(interaction.queueId, childSupport.id);
    assert.equal(interaction.priority, 7);
  });
});
