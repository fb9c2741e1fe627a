import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';
import { mintToken, proofToken, rsaKeyPair, scv } from '../support/scv.js';
import { request, startServer } from '../support/server-process.js';

// Input is bounded at the edge: a body nested thousands of levels deep, or a free-form object over
// its limits, is refused with a stable code instead of overflowing the stack of whatever reads it
// next (docs/api.md#limits). And a record an earlier version stored anyway cannot stop the server.

/** `{"a":{"a":…1…}}` (objects) or `[[…1…]]` (arrays), `depth` levels. */
function nested(depth: number, kind: 'object' | 'array' = 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
/** A plain nested value of `depth` levels, as an object. */
function nestedValue(depth: number): unknown {
  return JSON.parse(nested(depth));
}

let h: Harness;
let base: string;
let interactionId: string;
before(async () => {
  h = await startHarness();
  ({ base } = await createTenant(h));
  await routedVoiceQueue(h, base, {});
  const created = await h.call('POST', `${base}/interactions`, {
    body: { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065551234' },
  });
  interactionId = created.body.result.id;
});
after(() => h.close());

test('bodies nested thousands deep are refused with BODY_TOO_DEEP on every route that takes free-form data', async () => {
  const routes: [string, string, (deep: string) => string][] = [
    ['POST', `${base}/agents`, (deep) => `{"name":"A","email":"a@example.com","attributes":{"k":${deep}}}`],
    ['POST', `${base}/contacts`, (deep) => `{"phoneNumbers":["+15065550000"],"attributes":{"k":${deep}}}`],
    ['POST', `${base}/interactions`, (deep) => `{"channelType":"voice","attributes":{"k":${deep}}}`],
    ['PATCH', `${base}/interactions/${interactionId}`, (deep) => `{"attributes":{"k":${deep}}}`],
  ];
  for (const [method, url, body] of routes) {
    for (const kind of ['object', 'array'] as const) {
      const response = await h.call(method, url, { body: body(nested(5000, kind)) });
      assert.equal(response.status, 400, `${method} ${url} ${kind}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.errors[0].code, 'BODY_TOO_DEEP');
    }
  }
  // The server still answers, and nothing was written.
  const agents = await h.call('GET', `${base}/agents`);
  assert.equal(agents.status, 200);
  assert.deepEqual(agents.body.result, []);
});

test('free-form objects over their limits are refused with ATTRIBUTES_TOO_LARGE; within them they are kept', async () => {
  const tooDeep = { k: nestedValue(20) };
  const tooMany = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i]));
  const longString = { k: 'x'.repeat(16_385) };
  const longKey = { ['k'.repeat(257)]: 1 };
  const tooBig = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'x'.repeat(8000)]));
  for (const attributes of [tooDeep, tooMany, longString, longKey, tooBig]) {
    const agent = await h.call('POST', `${base}/agents`, { body: { name: 'A', email: 'a@example.com', attributes } });
    assert.equal(agent.status, 400);
    assert.deepEqual(
      agent.body.errors.map((e: { code: string; field: string }) => `${e.code}:${e.field}`),
      ['ATTRIBUTES_TOO_LARGE:attributes'],
    );
    const contact = await h.call('POST', `${base}/contacts`, { body: { phoneNumbers: ['+15065550000'], attributes } });
    assert.equal(contact.body.errors[0].code, 'ATTRIBUTES_TOO_LARGE');
    const interaction = await h.call('POST', `${base}/interactions`, { body: { channelType: 'voice', attributes } });
    assert.equal(interaction.body.errors[0].code, 'ATTRIBUTES_TOO_LARGE');
  }
  // A PATCH is checked on what the merge would store: two halves that fit alone do not fit together.
  const half = (prefix: string) => Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`${prefix}${i}`, i]));
  const first = await h.call('PATCH', `${base}/interactions/${interactionId}`, { body: { attributes: half('a') } });
  assert.equal(first.status, 200);
  const second = await h.call('PATCH', `${base}/interactions/${interactionId}`, { body: { attributes: half('b') } });
  assert.equal(second.status, 400);
  assert.equal(second.body.errors[0].code, 'ATTRIBUTES_TOO_LARGE');
  const stored = await h.call('GET', `${base}/interactions/${interactionId}`);
  assert.equal(Object.keys(stored.body.result.attributes).length, 600);
  // A simulation stores nothing, but bounds what it would run on the same way.
  const flow = await make(h, `${base}/flows`, { name: 'Sim', definition: { start: 'e', steps: [{ id: 'e', type: 'end' }] } });
  const simulated = await h.call('POST', `${base}/flows/${flow.id}/versions/${flow.activeVersionId}/simulate`, {
    body: { inputs: tooDeep },
  });
  assert.deepEqual(
    simulated.body.errors.map((e: { code: string; field: string }) => `${e.code}:${e.field}`),
    ['ATTRIBUTES_TOO_LARGE:inputs'],
  );
  // Sixteen levels, a thousand entries: accepted.
  const fits = await h.call('POST', `${base}/agents`, {
    body: { name: 'A', email: 'fits@example.com', attributes: { deep: nestedValue(15), s: 'x'.repeat(16_384) } },
  });
  assert.equal(fits.status, 201);
});

test('the telephony API bounds callAttributes, update fields and flowInputParameters the same way', async () => {
  const keys = rsaKeyPair();
  const t = await createTenant(h, { timeZone: 'UTC' });
  const nowSeconds = Math.floor(Date.parse(h.clock.now()) / 1000);
  await make(h, `${t.base}/call-centers`, {
    name: 'C',
    apiName: 'limits',
    orgId: '00DLIMITS',
    certificates: [keys.publicKey],
    proofs: [proofToken(keys.privateKey, { orgId: '00DLIMITS', apiName: 'limits', tenantId: t.id, now: nowSeconds })],
  });
  const token = () =>
    mintToken(keys.privateKey, { orgId: '00DLIMITS', apiName: 'limits', now: Math.floor(Date.parse(h.clock.now()) / 1000) });
  const call = {
    callCenterApiName: 'limits',
    vendorCallKey: 'limits-1',
    to: '+18005550100',
    from: '+15065550100',
    initiationMethod: 'Inbound',
    startTime: h.clock.now(),
  };
  const deepCreate = await scv(h, 'POST', '/voiceCalls', {
    token: token(),
    body: `{"callCenterApiName":"limits","vendorCallKey":"x","to":"+18005550100","from":"+15065550100","initiationMethod":"Inbound","startTime":"${h.clock.now()}","callAttributes":${nested(5000)}}`,
  });
  assert.equal(deepCreate.status, 400);
  assert.match(deepCreate.json.errors[0], /nested more than 64 levels/);
  const tooDeep = await scv(h, 'POST', '/voiceCalls', { token: token(), body: { ...call, callAttributes: nestedValue(20) } });
  assert.equal(tooDeep.status, 400);
  assert.match(tooDeep.json.errors[0], /callAttributes is nested more than 16 levels/);
  // The vendor also sends callAttributes as a string holding JSON: bounded once parsed.
  const asString = await scv(h, 'POST', '/voiceCalls', {
    token: token(),
    body: { ...call, callAttributes: JSON.stringify(nestedValue(3000)) },
  });
  assert.equal(asString.status, 400);
  const created = await scv(h, 'POST', '/voiceCalls', { token: token(), body: call });
  assert.equal(created.status, 200);
  const callId = created.json.voiceCallId;
  const update = await scv(h, 'PATCH', `/voiceCalls/${callId}`, { token: token(), body: { custom: nestedValue(20) } });
  assert.equal(update.status, 400);
  assert.match(update.json.errors[0], /fields is nested more than 16 levels/);
  const omniFlow = await scv(h, 'PATCH', `/voiceCalls/${callId}/omniFlow`, {
    token: token(),
    body: { flowDevName: 'x', flowInputParameters: nestedValue(20) },
  });
  assert.equal(omniFlow.status, 400);
  assert.match(omniFlow.json.errors[0], /flowInputParameters is nested more than 16 levels/);
});

test('a record an earlier version stored nested 2,000 deep is reported and skipped: the server starts and the tenant keeps working', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-limits-'));
  try {
    const token = 'sba_limits-admin';
    let server = await startServer({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: token });
    const tenant = (await request(server, token, 'POST', '/v1/tenants', { name: 'Old data' })).body.result.id;
    const agents = `/v1/tenants/${tenant}/agents`;
    const good = await request(server, token, 'POST', agents, { name: 'Good', email: 'good@example.com' });
    const bad = await request(server, token, 'POST', agents, { name: 'Bad', email: 'bad@example.com' });
    await server.stop();
    // What an earlier version accepted: attributes nested 2,000 objects deep, written as it wrote them.
    const db = new Database(join(dataDir, 'switchboard.db'));
    const doc = { ...bad.body.result, attributes: { k: nestedValue(2000) } };
    db.prepare('UPDATE agents SET doc = ? WHERE id = ?').run(JSON.stringify(doc), bad.body.result.id);
    db.close();

    server = await startServer({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: token });
    try {
      const list = await request(server, token, 'GET', agents);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.result.map((a: { id: string }) => a.id),
        [good.body.result.id],
      );
      assert.equal((await request(server, token, 'GET', `${agents}/${bad.body.result.id}`)).status, 404);
      // The rest of the tenant works: a new agent, and the good one read by id.
      assert.equal((await request(server, token, 'POST', agents, { name: 'New', email: 'new@example.com' })).status, 201);
      assert.equal((await request(server, token, 'GET', `${agents}/${good.body.result.id}`)).status, 200);
      assert.match(server.stderr(), new RegExp(`Skipped stored record ${bad.body.result.id}`));
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
