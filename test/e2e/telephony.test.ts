import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { sendJson, startHttpReceiver } from '../support/http-receiver.js';
import {
  handMadeToken,
  makeCallCenter,
  mintToken,
  proofToken,
  providerCertificate,
  providerCertificateKey,
  rsaKeyPair,
  scv,
  type TokenOptions,
} from '../support/scv.js';

// The Service Cloud Voice-compatible telephony API (CONTRACT §3(c)), driven the way a provider's
// client drives it, with tokens minted by jsonwebtoken and checked by the server's own verifier.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-telephony-'));
const dbFile = join(dataDir, 'switchboard.db');
let h: Harness;
let url: string;
const clients: AgentClient[] = [];
const keys = rsaKeyPair();
let sequence = 0;

before(async () => {
  h = await startHarness({ store: await createSqliteStore({ filename: dbFile }) });
  url = await h.listen();
});
after(async () => {
  for (const client of clients) await client.close();
  await h.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.parse(h.clock.now()) / 1000);

/**
 * A tenant with a call center, queues (Q1 and QP mapped, Q2 not), a voice channel, flows and an
 * agent, as a contact-center admin would set them up for scenarios 15–23.
 */
async function setup() {
  const n = ++sequence;
  const t = await createTenant(h, { timeZone: 'UTC' });
  const orgId = `00DORG${n}`;
  const apiName = `scvcenter${n}`;
  const callCenter = await makeCallCenter(h, t, { orgId, apiName, keys });
  const queue = (name: string) => make(h, `${t.base}/queues`, { name, devName: name });
  const q1 = await queue('Q1');
  const qp = await queue('QP');
  const q2 = await queue('Q2');
  const qf = await queue('QF');
  const phones = await make(h, `${t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: q1.id });
  const ada = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', queueIds: [q1.id] });
  const flow = (name: string, definition: Json) => make(h, `${t.base}/flows`, { name, devName: name, definition });
  const flows = {
    toQ1: await flow('F_P', { start: 'q', steps: [{ id: 'q', type: 'routeToQueue', queue: 'Q1' }] }),
    toQ2: await flow('To_Q2', { start: 'q', steps: [{ id: 'q', type: 'routeToQueue', queue: 'Q2' }] }),
    other: await flow('Other', { start: 'q', steps: [{ id: 'q', type: 'routeToQueue', queue: 'QF' }] }),
    // Ends without a routing decision: a failure for omniFlow.
    noRoute: await flow('No_Route', { start: 'e', steps: [{ id: 'e', type: 'end' }] }),
    // An expression that fails at run time, with no error exit.
    throws: await flow('Throws', {
      start: 's',
      steps: [
        { id: 's', type: 'setVariables', variables: { n: "int('not a number')" }, exits: { next: 'q' } },
        { id: 'q', type: 'routeToQueue', queue: 'Q1' },
      ],
    }),
    toAgent: await flow('Route_VoiceCall', {
      start: 'a',
      steps: [
        { id: 'a', type: 'routeToAgent', agent: 'ada@example.com', expiresAfterSeconds: 60, exits: { timeout: 'q' } },
        { id: 'q', type: 'routeToQueue', queue: 'Q1' },
      ],
    }),
    inputs: await flow('With_Inputs', {
      start: 's',
      steps: [
        {
          id: 's',
          type: 'setVariables',
          variables: { record: 'inputs.recordId', phone: 'inputs.IncomingCallPhoneNumber', call: 'inputs.voiceCallId' },
          exits: { next: 'q' },
        },
        { id: 'q', type: 'routeToQueue', queue: 'Q1' },
      ],
    }),
  };
  const maps = `${t.base}/call-centers/${callCenter.id}/routing-maps`;
  await make(h, maps, { referenceType: 'queue', referenceId: q1.id, externalId: 'arn:aws:connect:queue/q1' });
  await make(h, maps, { referenceType: 'queue', referenceId: 'QP', externalId: 'arn:aws:connect:queue/qp' });
  await make(h, maps, { referenceType: 'queue', referenceId: qf.id, externalId: 'arn:aws:connect:queue/qf' });
  await make(h, maps, { referenceType: 'user', referenceId: 'ada@example.com', externalId: 'arn:aws:connect:agent/u1' });

  const options = (extra: Partial<TokenOptions> = {}): TokenOptions => ({ orgId, apiName, now: now(), ...extra });
  const token = (extra: Partial<TokenOptions> = {}) => mintToken(keys.privateKey, options(extra));
  /** Creates a voice call record as the provider does when a call arrives. */
  async function call(fields: Json = {}) {
    const response = await scv(h, 'POST', '/voiceCalls', {
      token: token(),
      body: {
        callCenterApiName: apiName,
        vendorCallKey: `contact-${n}-${Math.random().toString(36).slice(2)}`,
        to: '+18005550000',
        from: '+15065550100',
        initiationMethod: 'Inbound',
        startTime: h.clock.now(),
        participants: [{ participantKey: '+15065550100', type: 'END_USER' }],
        ...fields,
      },
    });
    assert.equal(response.status, 200, response.text);
    return response.json.voiceCallId as string;
  }
  const omniFlow = (callId: string, body: Json, extra: { contentType?: string; token?: string } = {}) =>
    scv(h, 'PATCH', `/voiceCalls/${callId}/omniFlow`, { token: extra.token ?? token(), body, contentType: extra.contentType });
  const interaction = async (id: string) => (await h.call('GET', `${t.base}/interactions/${id}`)).body.result;
  return { t, orgId, apiName, callCenter, q1, qp, q2, qf, phones, ada, flows, maps, token, options, call, omniFlow, interaction };
}

/** A voice entry point (phone channel) with a flow and a fallback queue. */
async function phoneChannel(
  s: Awaited<ReturnType<typeof setup>>,
  address: string,
  flowId: string | null,
  fallbackQueueId: string | null,
) {
  return make(h, `${s.t.base}/entry-points`, { channelId: s.phones.id, address, flowId, fallbackQueueId });
}

describe('authorization (scenarios 1–8)', () => {
  test('1: no bearer → 401 in the vendor shape', async () => {
    const s = await setup();
    const response = await scv(h, 'PATCH', `/voiceCalls/${await s.call()}/omniFlow`, { body: { dialedNumber: '+18005550000' } });
    assert.equal(response.status, 401);
    assert.ok(Array.isArray(response.json.errors) && typeof response.json.errors[0] === 'string');
  });

  test('2: signed with another RSA key → 401; a tampered payload → 401', async () => {
    const s = await setup();
    const id = await s.call();
    const other = rsaKeyPair();
    const forged = mintToken(other.privateKey, s.options());
    assert.equal((await s.omniFlow(id, { dialedNumber: '+18005550000' }, { token: forged })).status, 401);
    // A genuine token whose claims were edited after signing (another call center's subject).
    const genuine = s.token({ jti: null });
    const [head, , signature] = genuine.split('.');
    const edited = Buffer.from(JSON.stringify({ iss: s.orgId, sub: s.apiName, iat: now(), exp: now() + 80_000 })).toString(
      'base64url',
    );
    const response = await s.omniFlow(id, { dialedNumber: '+18005550000' }, { token: `${head}.${edited}.${signature}` });
    assert.equal(response.status, 401);
    assert.match(response.json.errors[0], /signature/);
  });

  test('3: HS256 signed with the public key as the secret → 401; alg none → 401', async () => {
    const s = await setup();
    const id = await s.call();
    const payload = { iss: s.orgId, sub: s.apiName, iat: now(), exp: now() + 300 };
    const header = { alg: 'HS256', typ: 'JWT' };
    const unsigned = handMadeToken(header, payload);
    const mac = createHmac('sha256', keys.publicKey).update(unsigned.slice(0, -1)).digest('base64url');
    const hs256 = await s.omniFlow(id, { dialedNumber: '+18005550000' }, { token: `${unsigned}${mac}` });
    assert.equal(hs256.status, 401);
    assert.match(hs256.json.errors[0], /RS256/);
    const none = await s.omniFlow(id, { dialedNumber: '+18005550000' }, { token: handMadeToken({ alg: 'none' }, payload) });
    assert.equal(none.status, 401);
  });

  test('4–5: expired → 401; a lifetime over 24 h → 401 "exp must be within 24 hours"', async () => {
    const s = await setup();
    const id = await s.call();
    const expired = s.token({ now: now() - 3600, lifetimeSeconds: 600 });
    assert.equal((await s.omniFlow(id, { dialedNumber: '+18005550000' }, { token: expired })).status, 401);
    const long = await s.omniFlow(id, { dialedNumber: '+18005550000' }, { token: s.token({ lifetimeSeconds: 25 * 3600 }) });
    assert.equal(long.status, 401);
    assert.match(long.json.errors[0], /exp must be within 24 hours/);
    // Issued in the future beyond the clock skew allowance.
    const future = await s.omniFlow(id, { dialedNumber: '+18005550000' }, { token: s.token({ now: now() + 3600 }) });
    assert.equal(future.status, 401);
  });

  test('6: another org id → 401; an unknown call center API name → 401', async () => {
    const s = await setup();
    const id = await s.call();
    assert.equal((await s.omniFlow(id, { dialedNumber: '+1800' }, { token: s.token({ orgId: '00DOTHER' }) })).status, 401);
    assert.equal((await s.omniFlow(id, { dialedNumber: '+1800' }, { token: s.token({ apiName: 'nosuchcenter' }) })).status, 401);
  });

  test('7: a jti is accepted once, also after a restart; a token without jti may be reused until exp', async () => {
    const s = await setup();
    const id = await s.call();
    const once = s.token({ jti: 'jti-once' });
    const first = await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: once, body: { callAttributes: { a: 1 } } });
    assert.equal(first.status, 200, first.text);
    const replay = await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: once, body: { callAttributes: { a: 2 } } });
    assert.equal(replay.status, 401);
    assert.match(replay.json.errors[0], /jti already used/);
    const reusable = s.token({ jti: null });
    for (let i = 0; i < 2; i++) {
      assert.equal(
        (await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: reusable, body: { callAttributes: { i } } })).status,
        200,
      );
    }
    // A new process over the same data still refuses the replay (over a copy: one server per database file).
    const copy = join(dataDir, 'copy.db');
    const source = new Database(dbFile, { readonly: true });
    await source.backup(copy);
    source.close();
    const restarted = await startHarness({ store: await createSqliteStore({ filename: copy }), clock: h.clock });
    try {
      const again = await scv(restarted, 'PATCH', `/voiceCalls/${id}`, { token: once, body: {} });
      assert.equal(again.status, 401);
      assert.match(again.json.errors[0], /jti already used/);
    } finally {
      await restarted.close();
    }
  });

  test('8: aud of the vendor → accepted; another aud → 401; none → accepted', async () => {
    const s = await setup();
    const id = await s.call();
    const patch = (token: string) => scv(h, 'PATCH', `/voiceCalls/${id}`, { token, body: {} });
    assert.equal((await patch(s.token({ aud: 'https://scrt.salesforce.com' }))).status, 200);
    assert.equal((await patch(s.token({ aud: 'https://evil' }))).status, 401);
    assert.equal((await patch(s.token())).status, 200);
  });

  test('key rotation: a second certificate signs at once; a removed key stops working at once, even for a reusable token', async () => {
    const s = await setup();
    const id = await s.call();
    const next = rsaKeyPair();
    const byNext = mintToken(next.privateKey, s.options({ jti: null }));
    assert.equal((await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: byNext, body: {} })).status, 401);
    // The key already registered needs no new proof; the new one does.
    const unproven = await h.call('PUT', `${s.t.base}/call-centers/${s.callCenter.id}`, {
      body: { certificates: [keys.publicKey, next.publicKey] },
    });
    assert.equal(unproven.status, 400);
    assert.equal(unproven.body.errors[0].code, 'CERTIFICATE_PROOF_REQUIRED');
    assert.equal(unproven.body.errors[0].field, 'certificates/1');
    const proof = proofToken(next.privateKey, { orgId: s.orgId, apiName: s.apiName, tenantId: s.t.id, now: now() });
    const both = await h.call('PUT', `${s.t.base}/call-centers/${s.callCenter.id}`, {
      body: { certificates: [keys.publicKey, next.publicKey], proofs: [proof] },
    });
    assert.equal(both.status, 200, JSON.stringify(both.body));
    assert.equal((await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: byNext, body: {} })).status, 200);
    const byOld = s.token({ jti: null });
    assert.equal((await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: byOld, body: {} })).status, 200);
    await h.call('PUT', `${s.t.base}/call-centers/${s.callCenter.id}`, { body: { certificates: [next.publicKey] } });
    // The old key's token was verified before; it is not trusted from memory once its key is gone.
    assert.equal((await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: byOld, body: {} })).status, 401);
    assert.equal((await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: byNext, body: {} })).status, 200);
  });

  test('an X.509 certificate verifies tokens signed by its key; one call center cannot act on another tenant’s calls', async () => {
    const s = await setup();
    const other = await setup();
    const t = await createTenant(h);
    const cc = await make(h, `${t.base}/call-centers`, {
      apiName: 'certcenter',
      orgId: '00DCERT',
      certificates: [providerCertificate],
      proofs: [proofToken(providerCertificateKey, { orgId: '00DCERT', apiName: 'certcenter', tenantId: t.id, now: now() })],
    });
    assert.equal(cc.audience, 'https://scrt.salesforce.com');
    const certToken = mintToken(providerCertificateKey, { orgId: '00DCERT', apiName: 'certcenter', now: now() });
    const created = await scv(h, 'POST', '/voiceCalls', {
      token: certToken,
      body: {
        callCenterApiName: 'certcenter',
        vendorCallKey: 'k1',
        to: '+18005550000',
        from: '+15065550100',
        initiationMethod: 'Inbound',
        startTime: h.clock.now(),
      },
    });
    assert.equal(created.status, 200, created.text);
    // Another tenant's call center, with a valid token of its own, does not find this call.
    const foreign = await scv(h, 'PATCH', `/voiceCalls/${created.json.voiceCallId}/omniFlow`, {
      token: other.token(),
      body: { dialedNumber: '+18005550000' },
    });
    assert.equal(foreign.status, 404);
    void s;
  });

  test('call centers refuse private keys, non-RSA keys and junk; apiName and org binding are unique', async () => {
    const s = await setup();
    const bad = async (certificates: unknown[]) =>
      h.call('POST', `${s.t.base}/call-centers`, { body: { apiName: `c${++sequence}`, orgId: 'x', certificates } });
    const privateKey = await bad([keys.privateKey]);
    assert.equal(privateKey.status, 400);
    assert.equal(privateKey.body.errors[0].code, 'INVALID_CERTIFICATE');
    assert.equal((await bad(['not a pem'])).body.errors[0].code, 'INVALID_CERTIFICATE');
    assert.equal((await bad([])).status, 400);
    const duplicate = await h.call('POST', `${s.t.base}/call-centers`, {
      body: {
        apiName: s.apiName,
        orgId: 'another',
        certificates: [keys.publicKey],
        proofs: [proofToken(keys.privateKey, { orgId: 'another', apiName: s.apiName, tenantId: s.t.id, now: now() })],
      },
    });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.errors[0].code, 'DUPLICATE_CALL_CENTER');
    const unknownField = await h.call('PUT', `${s.t.base}/call-centers/${s.callCenter.id}`, { body: { privateKey: 'x' } });
    assert.equal(unknownField.status, 400);
    const unknownMapField = await h.call('PUT', `${s.maps}/${(await h.call('GET', s.maps)).body.result[0].id}`, {
      body: { bogus: 1 },
    });
    assert.equal(unknownMapField.status, 400);
  });
});

describe('request validation (scenarios 9–14)', () => {
  test('9: text/plain → 415', async () => {
    const s = await setup();
    const response = await s.omniFlow(await s.call(), 'dialedNumber=+1800', { contentType: 'text/plain' });
    assert.equal(response.status, 415);
  });

  test('10–11: {} → 400 "dialedNumber is required"; malformed JSON → 400', async () => {
    const s = await setup();
    const id = await s.call();
    const missing = await s.omniFlow(id, {});
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json, { errors: ['dialedNumber is required'] });
    const malformed = await s.omniFlow(id, '{"dialedNumber": ');
    assert.equal(malformed.status, 400);
    assert.equal(typeof malformed.json.errors[0], 'string');
  });

  test('12: an XML body is accepted and answered in XML', async () => {
    const s = await setup();
    await phoneChannel(s, '+18445791189', s.flows.toQ1.id, s.qp.id);
    const id = await s.call({ to: '+18445791189' });
    const xml =
      '<omniFlow><dialedNumber>+18445791189</dialedNumber><flowInputParameters><Input1>one</Input1></flowInputParameters></omniFlow>';
    const response = await s.omniFlow(id, xml, { contentType: 'application/xml' });
    assert.equal(response.status, 200, response.text);
    assert.match(response.contentType, /application\/xml/);
    assert.match(response.text, /<response><queue>arn:aws:connect:queue\/q1<\/queue><\/response>/);
    // Errors too come back as XML.
    const error = await s.omniFlow(id, '<omniFlow></omniFlow>', { contentType: 'application/xml' });
    assert.equal(error.status, 409);
    assert.match(error.text, /<errors><error>routing already in progress<\/error><\/errors>/);
    const dtd = await s.omniFlow(id, '<!DOCTYPE x [<!ENTITY a "b">]><omniFlow/>', { contentType: 'text/xml' });
    assert.equal(dtd.status, 400);
  });

  test('an endpoint that does not exist answers 404 in the vendor shape to a valid token with a jti; 401 without one', async () => {
    const s = await setup();
    const id = await s.call();
    for (const path of [`/voiceCalls/${id}/noSuchOperation`, '/noSuchResource']) {
      const missing = await scv(h, 'POST', path, { token: s.token(), body: {} });
      assert.equal(missing.status, 404, missing.text);
      assert.ok(Array.isArray(missing.json.errors) && /No endpoint/.test(missing.json.errors[0]), missing.text);
    }
    assert.equal((await scv(h, 'POST', '/noSuchResource', { body: {} })).status, 401);
  });

  test('13: an unknown call → 404; the vendor call key of a call resolves it', async () => {
    const s = await setup();
    await phoneChannel(s, '+18005550000', s.flows.toQ1.id, null);
    assert.equal((await s.omniFlow('no-such-call', { dialedNumber: '+18005550000' })).status, 404);
    await s.call({ vendorCallKey: 'connect-contact-123' });
    const byKey = await s.omniFlow('connect-contact-123', { dialedNumber: '+18005550000' });
    assert.equal(byKey.status, 200, byKey.text);
    assert.deepEqual(byKey.json, { queue: 'arn:aws:connect:queue/q1' });
  });

  test('14: flowInputParameters as an object or a JSON string; any other string → 400', async () => {
    const s = await setup();
    const id = await s.call();
    const asString = await s.omniFlow(id, {
      dialedNumber: '+18005550000',
      flowDevName: 'With_Inputs',
      flowInputParameters: '{"recordId":"0LQ1","IncomingCallPhoneNumber":"+15065550100"}',
    });
    assert.equal(asString.status, 200, asString.text);
    assert.equal((await s.interaction(id)).flowRun.frames[0].vars.record, '0LQ1');
    const junk = await s.omniFlow(await s.call(), {
      dialedNumber: '+18005550000',
      flowDevName: 'F_P',
      flowInputParameters: 'x=1',
    });
    assert.equal(junk.status, 400);
  });
});

describe('routing (scenarios 15–23)', () => {
  test('15: the phone channel’s flow wins over flowDevName', async () => {
    const s = await setup();
    await phoneChannel(s, '+18445791189', s.flows.toQ1.id, s.qp.id);
    const id = await s.call({ to: '+18445791189' });
    const response = await s.omniFlow(id, { dialedNumber: '+18445791189', flowDevName: 'Other' });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, { queue: 'arn:aws:connect:queue/q1' });
    const call = await s.interaction(id);
    assert.equal(call.flowId, s.flows.toQ1.id);
    assert.equal(call.state, 'queued');
  });

  test('16: the channel flow fails → the channel’s fallback queue', async () => {
    const s = await setup();
    await phoneChannel(s, '+18445791189', s.flows.throws.id, s.qp.id);
    const response = await s.omniFlow(await s.call({ to: '+18445791189' }), { dialedNumber: '+18445791189' });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, { queue: 'arn:aws:connect:queue/qp' });
  });

  test('17: no phone channel → flowDevName, routed to an agent → {"agent": …}', async () => {
    const s = await setup();
    const response = await s.omniFlow(await s.call(), { dialedNumber: '+18005550000', flowDevName: 'Route_VoiceCall' });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, { agent: 'arn:aws:connect:agent/u1' });
  });

  test('18: the parameter flow fails → fallbackQueue, by id or by devName', async () => {
    const s = await setup();
    const byId = await s.omniFlow(await s.call(), {
      dialedNumber: '+18005550000',
      flowDevName: 'No_Route',
      fallbackQueue: s.qp.id,
    });
    assert.equal(byId.status, 200, byId.text);
    assert.deepEqual(byId.json, { queue: 'arn:aws:connect:queue/qp' });
    const byName = await s.omniFlow(await s.call(), { dialedNumber: '+18005550000', flowDevName: 'Throws', fallbackQueue: 'QP' });
    assert.deepEqual(byName.json, { queue: 'arn:aws:connect:queue/qp' });
    // fallbackQueue alone (rule 4).
    const alone = await s.omniFlow(await s.call(), { dialedNumber: '+18005550000', fallbackQueue: 'QF' });
    assert.deepEqual(alone.json, { queue: 'arn:aws:connect:queue/qf' });
  });

  test('19: nothing to run → 422 "No Omni-Channel flow or fallback queue"', async () => {
    const s = await setup();
    const response = await s.omniFlow(await s.call(), { dialedNumber: '+18005550000' });
    assert.equal(response.status, 422);
    assert.deepEqual(response.json, { errors: ['No Omni-Channel flow or fallback queue'] });
  });

  test('20: the flow routes to an unmapped queue → 422 and the call fails', async () => {
    const s = await setup();
    const id = await s.call();
    const response = await s.omniFlow(id, { dialedNumber: '+18005550000', flowDevName: 'To_Q2' });
    assert.equal(response.status, 422);
    assert.match(response.json.errors[0], /Queue Q2 is not mapped/);
    const call = await s.interaction(id);
    assert.equal(call.state, 'failed');
    assert.ok(call.events.some((e: Json) => e.type === 'interaction.failed' && e.data.cause === 'not_mapped'));
  });

  test('21: flowInputParameters and the call id reach the flow as inputs', async () => {
    const s = await setup();
    const id = await s.call();
    const response = await s.omniFlow(id, {
      dialedNumber: '+18005550000',
      flowDevName: 'With_Inputs',
      flowInputParameters: { recordId: '0LQ000000001', IncomingCallPhoneNumber: '+15065550100' },
    });
    assert.equal(response.status, 200, response.text);
    const vars = (await s.interaction(id)).flowRun.frames[0].vars;
    assert.deepEqual(vars, { record: '0LQ000000001', phone: '+15065550100', call: id });
  });

  test('22: a pending routing record until answered; clearRouting removes it, is idempotent, and allows a new omniFlow', async () => {
    const s = await setup();
    const id = await s.call();
    assert.equal((await s.omniFlow(id, { dialedNumber: '+18005550000', flowDevName: 'F_P' })).status, 200);
    const pending = (await s.interaction(id)).voiceCall.pendingRouting;
    assert.equal(pending.queue, 'arn:aws:connect:queue/q1');
    // Q3.5: a second omniFlow while routing is pending.
    const again = await s.omniFlow(id, { dialedNumber: '+18005550000', flowDevName: 'F_P' });
    assert.equal(again.status, 409);
    const clear = () => scv(h, 'PATCH', `/voiceCalls/${id}/clearRouting`, { token: s.token() });
    assert.equal((await clear()).status, 200);
    const cleared = await s.interaction(id);
    assert.equal(cleared.voiceCall.pendingRouting, null);
    assert.equal(cleared.state, 'dispatched');
    assert.equal(cleared.queueId, null);
    assert.equal((await clear()).status, 200);
    assert.equal((await s.omniFlow(id, { dialedNumber: '+18005550000', flowDevName: 'Other' })).status, 200);
  });

  test('a created call waits for omniFlow even when a dispatch mapping matches every inbound interaction', async () => {
    const s = await setup();
    await make(h, `${s.t.base}/dispatch-mappings`, {
      name: 'Catch-all inbound',
      interactionField: 'direction',
      value: 'inbound',
      flowId: s.flows.toQ2.id,
    });
    const id = await s.call();
    // The caller may still be in the provider's IVR: nothing routes the call until the provider asks.
    const created = await s.interaction(id);
    assert.equal(created.state, 'created');
    assert.equal(created.queueId, null);
    const routed = await s.omniFlow(id, { dialedNumber: '+18005550000', flowDevName: 'F_P' });
    assert.equal(routed.status, 200, routed.text);
    assert.deepEqual(routed.json, { queue: 'arn:aws:connect:queue/q1' });
  });

  test('23: the phone channel of the recorded number wins over the dialedNumber’s', async () => {
    const s = await setup();
    await phoneChannel(s, '+18005550001', s.flows.other.id, null);
    await phoneChannel(s, '+18445791189', s.flows.toQ1.id, null);
    const id = await s.call({ to: '+18005550001' });
    const response = await s.omniFlow(id, { dialedNumber: '+18445791189' });
    assert.deepEqual(response.json, { queue: 'arn:aws:connect:queue/qf' });
  });
});

test('a flow that waits on an HTTP request routes the call when it answers; one that then fails falls back', async () => {
  const s = await setup();
  const crm = await startHttpReceiver((request, response) =>
    request.url.startsWith('/fail') ? sendJson(response, 500, {}) : sendJson(response, 200, { tier: 'gold' }),
  );
  try {
    const allowed = await h.call('PUT', s.t.base, { body: { allowPrivateNetworkRequests: true } });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    const lookup = (name: string, path: string) =>
      make(h, `${s.t.base}/flows`, {
        name,
        devName: name,
        definition: {
          start: 'crm',
          steps: [
            {
              id: 'crm',
              type: 'httpRequest',
              method: 'GET',
              url: `${crm.url}${path}/{{ inputs.voiceCallId }}`,
              responseVariables: { tier: 'response.body.tier' },
              exits: { next: 'q' },
            },
            { id: 'q', type: 'routeToQueue', queue: 'Q1' },
          ],
        },
      });
    await lookup('Lookup', '/customers');
    await lookup('Lookup_Fails', '/fail');
    const id = await s.call();
    const routed = await s.omniFlow(id, { dialedNumber: '+18005550000', flowDevName: 'Lookup' });
    assert.equal(routed.status, 200, routed.text);
    assert.deepEqual(routed.json, { queue: 'arn:aws:connect:queue/q1' });
    assert.equal((await s.interaction(id)).flowRun.frames[0].vars.tier, 'gold');
    assert.ok(crm.received.some((r) => r.url === `/customers/${id}`));
    const fails = await s.omniFlow(await s.call(), {
      dialedNumber: '+18005550000',
      flowDevName: 'Lookup_Fails',
      fallbackQueue: 'QP',
    });
    assert.equal(fails.status, 200, fails.text);
    assert.deepEqual(fails.json, { queue: 'arn:aws:connect:queue/qp' });
  } finally {
    await crm.close();
  }
});

describe('call centers of several tenants', () => {
  test('a tenant can neither claim nor learn of another tenant’s orgId and apiName; tokens go to the key that signs them', async () => {
    const victim = await setup();
    const squatter = await createTenant(h, { timeZone: 'UTC' });
    const own = rsaKeyPair();
    // The same issuer pair with its own key: accepted, and no answer says the pair is taken.
    const claimed = await h.call('POST', `${squatter.base}/call-centers`, {
      body: {
        apiName: victim.apiName,
        orgId: victim.orgId,
        certificates: [own.publicKey],
        proofs: [proofToken(own.privateKey, { orgId: victim.orgId, apiName: victim.apiName, tenantId: squatter.id, now: now() })],
      },
    });
    assert.equal(claimed.status, 201, JSON.stringify(claimed.body));
    // The victim's public key without its private key: refused for want of a proof, not for a conflict.
    const copied = await h.call('POST', `${squatter.base}/call-centers`, {
      body: { apiName: 'copy', orgId: victim.orgId, certificates: [keys.publicKey] },
    });
    assert.deepEqual(
      copied.body.errors.map((e: Json) => e.code),
      ['CERTIFICATE_PROOF_REQUIRED'],
    );
    // A proof made for the victim's tenant does not register the key in another tenant.
    const replayed = await h.call('POST', `${squatter.base}/call-centers`, {
      body: {
        apiName: victim.apiName,
        orgId: victim.orgId,
        certificates: [keys.publicKey],
        proofs: [
          proofToken(keys.privateKey, { orgId: victim.orgId, apiName: victim.apiName, tenantId: victim.t.id, now: now() }),
        ],
      },
    });
    assert.equal(replayed.body.errors[0].code, 'CERTIFICATE_PROOF_REQUIRED');
    // The victim's calls still reach the victim; the squatter's tokens reach only the squatter.
    const id = await victim.call();
    assert.equal((await victim.omniFlow(id, { dialedNumber: '+18005550000', flowDevName: 'F_P' })).status, 200);
    const squatterToken = mintToken(own.privateKey, { orgId: victim.orgId, apiName: victim.apiName, now: now() });
    // An update of a call the squatter's call center never saw makes a record of its own (the vendor
    // logs missed calls that way): the victim's call is untouched.
    const squatted = await scv(h, 'PATCH', `/voiceCalls/${id}`, { token: squatterToken, body: { callDisposition: 'taken' } });
    assert.equal(squatted.status, 200, squatted.text);
    assert.notEqual(squatted.json.voiceCallId, id);
    assert.equal((await victim.interaction(id)).voiceCall.details.callDisposition, undefined);
    // Whoever holds a key registered for the pair elsewhere (here: the victim, in a second tenant) is
    // told so: two call centers whose tokens could not be told apart are never registered.
    const second = await createTenant(h, { timeZone: 'UTC' });
    const twice = await h.call('POST', `${second.base}/call-centers`, {
      body: {
        apiName: victim.apiName,
        orgId: victim.orgId,
        certificates: [keys.publicKey],
        proofs: [proofToken(keys.privateKey, { orgId: victim.orgId, apiName: victim.apiName, tenantId: second.id, now: now() })],
      },
    });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.errors[0].code, 'CERTIFICATE_IN_USE');
  });
});

describe('routing maps (scenarios 24–25)', () => {
  test('24: externalId unique per call center, reusable in another', async () => {
    const s = await setup();
    const duplicate = await h.call('POST', s.maps, {
      body: { referenceType: 'queue', referenceId: s.q2.id, externalId: 'arn:aws:connect:queue/q1' },
    });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.errors[0].code, 'DUPLICATE_ROUTING_MAP');
    const second = await make(h, `${s.t.base}/call-centers`, {
      apiName: 'second',
      orgId: 'org2',
      certificates: [keys.publicKey],
      proofs: [proofToken(keys.privateKey, { orgId: 'org2', apiName: 'second', tenantId: s.t.id, now: now() })],
    });
    await make(h, `${s.t.base}/call-centers/${second.id}/routing-maps`, {
      referenceType: 'queue',
      referenceId: s.q2.id,
      externalId: 'arn:aws:connect:queue/q1',
    });
  });

  test('25: developerName defaults to <userId>_<callCenterId> and <queueName>_<callCenterId>', async () => {
    const s = await setup();
    const maps = (await h.call('GET', s.maps)).body.result as Json[];
    const user = maps.find((m) => m.referenceType === 'user');
    const queue = maps.find((m) => m.referenceId === s.q1.id);
    assert.equal(user.developerName, `${s.ada.id}_${s.callCenter.id}`);
    assert.equal(queue.developerName, `Q1_${s.callCenter.id}`);
    const unknown = await h.call('POST', s.maps, {
      body: { referenceType: 'user', referenceId: 'nobody@example.com', externalId: 'x' },
    });
    assert.equal(unknown.status, 400);
  });
});

describe('voice call records', () => {
  test('documented fields without a place of their own are kept as sent, on create and on update', async () => {
    const s = await setup();
    const id = await s.call({ callSubtype: 'PSTN', callOrigin: 'Inbound', queue: 'Billing' });
    const created = await s.interaction(id);
    assert.deepEqual(created.voiceCall.details, { callSubtype: 'PSTN', callOrigin: 'Inbound', queue: 'Billing' });
    const updated = await scv(h, 'PATCH', `/voiceCalls/${id}`, {
      token: s.token(),
      body: { totalHoldDuration: 12, numberOfHolds: 1, recordingLocation: 's3://bucket/call.wav' },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual((await s.interaction(id)).voiceCall.details, {
      callSubtype: 'PSTN',
      callOrigin: 'Inbound',
      queue: 'Billing',
      totalHoldDuration: 12,
      numberOfHolds: 1,
      recordingLocation: 's3://bucket/call.wav',
    });
  });

  test('the same vendorCallKey does not create a second record; a hang-up before anyone answered is a missed call', async () => {
    const s = await setup();
    const first = await s.call({ vendorCallKey: 'dup-key' });
    assert.equal(await s.call({ vendorCallKey: 'dup-key' }), first);
    const queued = await s.call();
    assert.equal((await s.omniFlow(queued, { dialedNumber: '+18005550000', flowDevName: 'F_P' })).status, 200);
    const ended = await scv(h, 'PATCH', `/voiceCalls/${queued}`, {
      token: s.token(),
      body: { endTime: h.clock.now(), callDisposition: 'abandoned' },
    });
    assert.equal(ended.status, 200, ended.text);
    const call = await s.interaction(queued);
    assert.equal(call.state, 'abandoned');
    assert.equal(call.voiceCall.missed, true);
    assert.equal(call.voiceCall.pendingRouting, null);
    assert.equal(call.voiceCall.details.callDisposition, 'abandoned');
    // An ended call cannot be routed.
    assert.equal((await s.omniFlow(queued, { dialedNumber: '+18005550000', flowDevName: 'F_P' })).status, 409);
    const bad = await scv(h, 'PATCH', `/voiceCalls/${first}`, { token: s.token(), body: { endTime: 'yesterday' } });
    assert.equal(bad.status, 400);
    const missing = await scv(h, 'POST', '/voiceCalls', { token: s.token(), body: { callCenterApiName: s.apiName } });
    assert.equal(missing.status, 400);
    // A transfer is a new record that continues its parent; it needs the parent.
    const transfer = await s.call({ vendorCallKey: 'dup-key', initiationMethod: 'Transfer', parentVoiceCallId: 'dup-key' });
    assert.notEqual(transfer, first);
    const segment = await s.interaction(transfer);
    assert.equal(segment.parentInteractionId, first);
    assert.equal(segment.voiceCall.parentVoiceCallId, first);
    const orphan = await scv(h, 'POST', '/voiceCalls', {
      token: s.token(),
      body: {
        callCenterApiName: s.apiName,
        vendorCallKey: 'x',
        to: '+18005550000',
        from: '+15065550100',
        initiationMethod: 'transfer',
        startTime: h.clock.now(),
      },
    });
    assert.equal(orphan.status, 400);
    assert.deepEqual(orphan.json, { errors: ['parentVoiceCallId is required for a transfer'] });
    // The token's call center is the only one a request may name.
    const wrongCenter = await scv(h, 'POST', '/voiceCalls', {
      token: s.token(),
      body: {
        callCenterApiName: 'another',
        vendorCallKey: 'y',
        to: '+18005550000',
        from: '+15065550100',
        initiationMethod: 'Inbound',
        startTime: h.clock.now(),
      },
    });
    assert.equal(wrongCenter.status, 400);
  });
});

test('a provider client as the vendor documents it: create → omniFlow → agent answers over WebSocket → hang-up → clearRouting', async () => {
  const s = await setup();
  await phoneChannel(s, '+18445791189', s.flows.toQ1.id, s.qp.id);
  const agent = await make(h, `${s.t.base}/agents`, { name: 'Grace', email: 'grace@example.com', queueIds: [s.q1.id] });
  const agentToken = (await make(h, `${s.t.base}/agents/${agent.id}/tokens`, {})).token as string;
  const client = await connectAgent(url, s.t.id, agentToken);
  clients.push(client);
  await client.next('hello');
  assert.equal((await client.request({ type: 'presence', status: 'available' })).ok, true);

  // 1. The call arrives at the provider: it creates the voice call record.
  const voiceCallId = await s.call({ to: '+18445791189', vendorCallKey: 'amzn-contact-42' });
  // 2. Its contact flow asks where to send the call, by its own contact id.
  const routed = await s.omniFlow('amzn-contact-42', {
    dialedNumber: '+18445791189',
    flowDevName: 'voiceRouting',
    fallbackQueue: 'SCV_BASIC_QUEUE',
    flowInputParameters: { recordId: voiceCallId },
  });
  assert.equal(routed.status, 200, routed.text);
  assert.deepEqual(routed.json, { queue: 'arn:aws:connect:queue/q1' });
  // 3. The agent is offered the call and takes it; the pending routing record goes.
  const offer = await client.next('offer');
  assert.equal(offer.interaction.id, voiceCallId);
  assert.equal((await client.request({ type: 'accept', interactionId: voiceCallId })).ok, true);
  const answered = await s.interaction(voiceCallId);
  assert.equal(answered.state, 'connected');
  assert.equal(answered.voiceCall.pendingRouting, null);
  // 4. The caller hangs up: the provider updates the record; the agent goes to wrap-up.
  const hangUp = await scv(h, 'PATCH', '/voiceCalls/amzn-contact-42', {
    token: s.token(),
    body: { endTime: h.clock.now(), totalHoldDuration: 0, recordingLocation: 's3://bucket/call.wav' },
  });
  assert.equal(hangUp.status, 200, hangUp.text);
  const after = await s.interaction(voiceCallId);
  assert.ok(['wrap_up', 'completed'].includes(after.state), after.state);
  assert.equal(after.voiceCall.missed, false);
  // 5. Cleanup, as the vendor asks: nothing is pending any more, and it says so.
  const cleared = await scv(h, 'PATCH', `/voiceCalls/${voiceCallId}/clearRouting`, { token: s.token() });
  assert.equal(cleared.status, 200);
});
