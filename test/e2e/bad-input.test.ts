import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTenant, type Harness, make, routeByEntryPoint, startHarness } from '../support/harness.js';

// Bad input gets a clear error with a stable code: never a 5xx, never a half-written record.

let h: Harness;
let base: string;
let queue: { id: string };
let channel: { id: string };
before(async () => {
  h = await startHarness();
  ({ base } = await createTenant(h));
  queue = await make(h, `${base}/queues`, { name: 'General' });
  channel = await make(h, `${base}/channels`, { name: 'Voice', type: 'voice', defaultQueueId: queue.id });
});
after(() => h.close());

function codes(body: { errors: { code: string; field?: string }[] }) {
  return body.errors.map((e) => `${e.code}:${e.field ?? ''}`);
}

test('malformed JSON, empty JSON body, wrong media type and oversized bodies', async () => {
  const malformed = await h.call('POST', `${base}/queues`, { body: '{"name": ' });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.errors[0].code, 'MALFORMED_JSON');
  const empty = await h.call('POST', `${base}/queues`, { body: '', headers: { 'content-type': 'application/json' } });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.errors[0].code, 'MALFORMED_JSON');
  const text = await h.call('POST', `${base}/queues`, { body: 'name=x', headers: { 'content-type': 'text/plain' } });
  assert.equal(text.status, 415);
  assert.equal(text.body.errors[0].code, 'UNSUPPORTED_MEDIA_TYPE');
  const huge = await h.call('POST', `${base}/queues`, { body: { name: 'x'.repeat(2 * 1024 * 1024) } });
  assert.equal(huge.status, 413);
  assert.equal(huge.body.errors[0].code, 'BODY_TOO_LARGE');
  const array = await h.call('POST', `${base}/queues`, { body: [] });
  assert.equal(array.status, 400);
  assert.equal(array.body.errors[0].code, 'INVALID_TYPE');
});

test('unknown fields are refused, not silently dropped, on every resource', async () => {
  for (const url of ['queues', 'channels', 'entry-points', 'integrations', 'flows', 'dispatch-mappings', 'interactions']) {
    const response = await h.call('POST', `${base}/${url}`, { body: { surprise: 1 } });
    assert.equal(response.status, 400, url);
    assert.ok(codes(response.body).includes('UNKNOWN_FIELD:surprise'), `${url}: ${JSON.stringify(response.body)}`);
  }
  const nested = await h.call('PUT', `${base}/channels/${channel.id}/entry-point-settings`, {
    body: { exceptions: [{ entryPointId: 'x', queueId: queue.id, extra: true }] },
  });
  assert.deepEqual(codes(nested.body), ['UNKNOWN_FIELD:exceptions/0/extra']);
});

test('types are not coerced and every problem is reported at once', async () => {
  const response = await h.call('POST', `${base}/channels`, { body: { name: 5, type: 'fax', defaultQueueId: 7 } });
  assert.equal(response.status, 400);
  assert.deepEqual(codes(response.body).sort(), ['INVALID_ENUM:type', 'INVALID_TYPE:defaultQueueId', 'INVALID_TYPE:name']);
});

test('channels: medium rules, unknown default queue, immutable type', async () => {
  const noMedium = await h.call('POST', `${base}/channels`, { body: { name: 'M', type: 'messaging', defaultQueueId: queue.id } });
  assert.deepEqual(codes(noMedium.body), ['MEDIUM_REQUIRED:medium']);
  const medium = await h.call('POST', `${base}/channels`, {
    body: { name: 'V', type: 'voice', medium: 'whatsapp', defaultQueueId: queue.id },
  });
  assert.deepEqual(codes(medium.body), ['MEDIUM_NOT_ALLOWED:medium']);
  const noQueue = await h.call('POST', `${base}/channels`, {
    body: { name: 'V', type: 'voice', defaultQueueId: '01900000-0000-7000-8000-000000000000' },
  });
  assert.deepEqual(codes(noQueue.body), ['QUEUE_NOT_FOUND:defaultQueueId']);
  const retype = await h.call('PUT', `${base}/channels/${channel.id}`, { body: { type: 'sms' } });
  assert.deepEqual(codes(retype.body), ['FIELD_IMMUTABLE:type']);
});

test('entry points: address formats per channel, duplicates per channel type, unknown channel', async () => {
  const whatsapp = await make(h, `${base}/channels`, {
    name: 'WA',
    type: 'messaging',
    medium: 'whatsapp',
    defaultQueueId: queue.id,
  });
  const email = await make(h, `${base}/channels`, { name: 'Mail', type: 'email', defaultQueueId: queue.id });
  const sms = await make(h, `${base}/channels`, { name: 'Text', type: 'sms', defaultQueueId: queue.id });
  const cases: [string, string, number, string][] = [
    [channel.id, '(506) 555-0100', 201, '+15065550100'],
    [channel.id, 'SIP:Desk@PBX.Example.com', 201, 'sip:Desk@pbx.example.com'],
    [channel.id, 'not a number', 400, 'INVALID_E164_OR_SIP'],
    [whatsapp.id, '+44 20 7946 0000', 201, '+442079460000'],
    [whatsapp.id, 'sip:x@y.z', 400, 'INVALID_E164'],
    [email.id, 'Help@Example.COM', 201, 'help@example.com'],
    [email.id, 'help@', 400, 'INVALID_EMAIL'],
    [sms.id, '   ', 400, 'REQUIRED'],
  ];
  for (const [channelId, address, status, expected] of cases) {
    const response = await h.call('POST', `${base}/entry-points`, { body: { channelId, address } });
    assert.equal(response.status, status, `${address}: ${JSON.stringify(response.body)}`);
    if (status === 201) assert.equal(response.body.result.address, expected);
    else assert.equal(response.body.errors[0].code, expected);
  }
  const duplicate = await h.call('POST', `${base}/entry-points`, { body: { channelId: channel.id, address: '+1 506 555 0100' } });
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.body.errors[0].code, 'DUPLICATE_ENTRY_POINT');
  // The same number may be both a voice and an SMS entry point.
  assert.equal(
    (await h.call('POST', `${base}/entry-points`, { body: { channelId: sms.id, address: '+15065550100' } })).status,
    201,
  );
  const unknown = await h.call('POST', `${base}/entry-points`, {
    body: { channelId: '01900000-0000-7000-8000-000000000000', address: '+15065550100' },
  });
  assert.deepEqual(codes(unknown.body), ['CHANNEL_NOT_FOUND:channelId']);
});

test('queues and flows: devName rules and uniqueness, references that block deletion', async () => {
  const derived = await make(h, `${base}/queues`, { name: 'VIP Support (EU)' });
  assert.equal(derived.devName, 'VIP_Support_EU');
  const duplicate = await h.call('POST', `${base}/queues`, { body: { name: 'Other', devName: 'VIP_Support_EU' } });
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.body.errors[0].code, 'DUPLICATE_DEV_NAME');
  const badDev = await h.call('POST', `${base}/queues`, { body: { name: 'x', devName: '9 lives' } });
  assert.deepEqual(codes(badDev.body), ['INVALID_DEV_NAME:devName']);

  const inUse = await h.call('DELETE', `${base}/queues/${queue.id}`);
  assert.equal(inUse.status, 409);
  assert.equal(inUse.body.errors[0].code, 'QUEUE_IN_USE');
  assert.equal((await h.call('GET', `${base}/queues/${queue.id}`)).status, 200);
  assert.equal((await h.call('DELETE', `${base}/queues/${derived.id}`)).status, 204);

  const flow = await make(h, `${base}/flows`, { name: 'Main', definition: routeByEntryPoint });
  await make(h, `${base}/dispatch-mappings`, { name: 'm', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const flowInUse = await h.call('DELETE', `${base}/flows/${flow.id}`);
  assert.equal(flowInUse.status, 409);
  assert.equal(flowInUse.body.errors[0].code, 'FLOW_IN_USE');
  const becomeReusable = await h.call('PUT', `${base}/flows/${flow.id}`, { body: { reusable: true } });
  assert.equal(becomeReusable.status, 409);
  const badFallback = await h.call('POST', `${base}/flows`, {
    body: { name: 'F', fallbackQueueId: '01900000-0000-7000-8000-000000000000' },
  });
  assert.deepEqual(codes(badFallback.body), ['QUEUE_NOT_FOUND:fallbackQueueId']);
  const badActive = await h.call('PUT', `${base}/flows/${flow.id}`, { body: { activeVersionId: 'nope' } });
  assert.deepEqual(codes(badActive.body), ['FLOW_VERSION_NOT_FOUND:activeVersionId']);
  const versions = await h.call('GET', `${base}/flows/${flow.id}/versions`);
  assert.equal(versions.body.result.length, 1);
  assert.equal(versions.body.result[0].number, 1);

  const channelInUse = await make(h, `${base}/channels`, { name: 'Busy', type: 'email', defaultQueueId: queue.id });
  await make(h, `${base}/entry-points`, { channelId: channelInUse.id, address: 'busy@example.com' });
  const deleteChannel = await h.call('DELETE', `${base}/channels/${channelInUse.id}`);
  assert.equal(deleteChannel.status, 409);
  assert.equal(deleteChannel.body.errors[0].code, 'CHANNEL_IN_USE');
});

test('unknown ids are 404 on every resource, unknown routes too', async () => {
  const id = '01900000-0000-7000-8000-000000000000';
  for (const url of [
    'queues',
    'channels',
    'entry-points',
    'integrations',
    'flows',
    'dispatch-mappings',
    'interactions',
    'api-keys',
  ]) {
    const response = await h.call('GET', `${base}/${url}/${id}`);
    assert.equal(response.status, 404, url);
    assert.equal(response.body.errors[0].code, 'NOT_FOUND');
  }
  assert.equal((await h.call('GET', `${base}/channels/${id}/entry-point-settings`)).status, 404);
  assert.equal((await h.call('GET', `${base}/flows/${id}/versions`)).status, 404);
  const route = await h.call('GET', `${base}/nothing-here`);
  assert.equal(route.status, 404);
  assert.equal(route.body.errors[0].code, 'ROUTE_NOT_FOUND');
  const limit = await h.call('GET', `${base}/queues?limit=0`);
  assert.deepEqual(codes(limit.body), ['INVALID_VALUE:limit']);
  const query = await h.call('GET', `${base}/queues?sort=name`);
  assert.deepEqual(codes(query.body), ['UNKNOWN_FIELD:sort']);
});

test('interactions: enum checks, idempotency keys replay and refuse reuse with another body', async () => {
  const bad = await h.call('POST', `${base}/interactions`, { body: { channelType: 'any', direction: 'sideways' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(codes(bad.body).sort(), ['INVALID_ENUM:channelType', 'INVALID_ENUM:direction']);
  const body = { channelType: 'voice', customer: '+15065551234', contactPoint: '+18005550000' };
  const headers = { 'idempotency-key': 'call-CA123' };
  const first = await h.call('POST', `${base}/interactions`, { body, headers });
  assert.equal(first.status, 201);
  const retry = await h.call('POST', `${base}/interactions`, { body: { ...body }, headers });
  assert.equal(retry.status, 200);
  assert.equal(retry.headers['idempotent-replayed'], 'true');
  assert.equal(retry.body.result.id, first.body.result.id);
  const concurrent = await Promise.all(
    Array.from({ length: 5 }, () => h.call('POST', `${base}/interactions`, { body, headers: { 'idempotency-key': 'burst-1' } })),
  );
  assert.equal(new Set(concurrent.map((r) => r.body.result.id)).size, 1);
  const reused = await h.call('POST', `${base}/interactions`, { body: { ...body, customer: '+15065559999' }, headers });
  assert.equal(reused.status, 422);
  assert.equal(reused.body.errors[0].code, 'IDEMPOTENCY_KEY_REUSED');
  const all = await h.call('GET', `${base}/interactions?limit=200`);
  assert.equal(all.body.result.length, 2);
  const badKey = await h.call('POST', `${base}/interactions`, { body, headers: { 'idempotency-key': 'has space' } });
  assert.equal(badKey.status, 400);
});

test('an interaction that nothing can place fails its flow, and lands in the fallback queue once there is one', async () => {
  const flow = await make(h, `${base}/flows`, { name: 'Chat flow', definition: routeByEntryPoint });
  await make(h, `${base}/dispatch-mappings`, {
    name: 'chat',
    // Messaging contact points must be E.164 or SIP (CONTRACT 0(c) 8); page ids are mapped on `any`.
    channelType: 'any',
    interactionField: 'contact-point',
    value: 'page-1',
    flowId: flow.id,
  });
  const body = { channelType: 'messaging', medium: 'facebook', contactPoint: 'page-1' };
  const response = await h.call('POST', `${base}/interactions`, { body });
  assert.equal(response.status, 201);
  assert.equal(response.body.result.state, 'failed');
  assert.equal(response.body.result.queueId, null);
  const failed = response.body.result.events.find((e: { type: string }) => e.type === 'flow.failed');
  assert.match(failed.data.message, /not exactly one channel/);
  assert.equal(response.body.result.flowRun.path[0].exit, 'error');
  const fallback = await make(h, `${base}/queues`, { name: 'Fallback' });
  await h.call('PUT', `${base}/flows/${flow.id}`, { body: { fallbackQueueId: fallback.id } });
  const placed = await h.call('POST', `${base}/interactions`, { body });
  assert.equal(placed.body.result.state, 'queued');
  assert.equal(placed.body.result.queueId, fallback.id);
  assert.equal(placed.body.result.placement.queueSource, 'flow-fallback');
});

test('queue escalation requirements read only agent: naming the interaction is refused, not left never to match', async () => {
  const response = await h.call('POST', `${base}/queues`, {
    body: {
      name: 'Tiered',
      routing: { escalation: [{ afterSeconds: 0, requirements: "interaction.attributes.tier == 'gold'" }] },
    },
  });
  assert.equal(response.status, 400);
  assert.deepEqual(codes(response.body), ['INVALID_EXPRESSION:routing/escalation/0/requirements']);
  assert.match(response.body.errors[0].message, /requirements can read only `agent`/);
});
