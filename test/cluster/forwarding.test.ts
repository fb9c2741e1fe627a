import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signForward, tenantOfRequest, verifyForward } from '../../src/cluster/forwarding.js';

// Which tenant a request is for (so a node knows where to send it), and the node signature on forwarded
// requests.

const jwt = (claims: Record<string, unknown>) =>
  `Bearer ${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

test('the tenant of a request: from the path of tenant routes, webhooks and web chat, or the telephony token', () => {
  assert.equal(tenantOfRequest('/v1/tenants/t-1/queues?limit=5', {}), 't-1');
  assert.equal(tenantOfRequest('/v1/tenants/t-1', {}), 't-1');
  assert.equal(tenantOfRequest('/providers/twilio/t-2/ch-1/voice', {}), 't-2');
  assert.equal(tenantOfRequest('/webchat/t-3/w-1/ws', {}), 't-3');
  assert.equal(tenantOfRequest('/telephony/v1/voiceCalls', { authorization: jwt({ aud: 'switchboard:t-4' }) }), 't-4');
  assert.equal(tenantOfRequest('/telephony/v1/voiceCalls', { authorization: jwt({ aud: ['switchboard:t-5'] }) }), 't-5');
  // No tenant: answered where the request arrives.
  for (const [url, headers] of [
    ['/v1/tenants', {}],
    ['/auth/sign-in', {}],
    ['/healthz', {}],
    ['/webchat/widget.js', {}],
    ['/telephony/v1/voiceCalls', {}],
    ['/telephony/v1/voiceCalls', { authorization: jwt({ aud: 'someone-else' }) }],
    ['/telephony/v1/voiceCalls', { authorization: 'Bearer not.a-json.token' }],
  ] as const) {
    assert.equal(tenantOfRequest(url, headers), null, url);
  }
});

test('a forwarded request is accepted only with the secret, for its method and URL, and fresh', () => {
  const now = Date.parse('2026-11-30T10:00:00Z');
  const signature = signForward('the-secret-of-the-cluster', 'n1', 'POST', '/v1/tenants/t/queues', now);
  assert.equal(verifyForward('the-secret-of-the-cluster', signature, 'POST', '/v1/tenants/t/queues', now + 5_000), 'n1');
  assert.equal(verifyForward('another-secret-entirely', signature, 'POST', '/v1/tenants/t/queues', now), null);
  assert.equal(verifyForward('the-secret-of-the-cluster', signature, 'DELETE', '/v1/tenants/t/queues', now), null);
  assert.equal(verifyForward('the-secret-of-the-cluster', signature, 'POST', '/v1/tenants/u/queues', now), null);
  assert.equal(verifyForward('the-secret-of-the-cluster', signature, 'POST', '/v1/tenants/t/queues', now + 120_000), null);
  assert.equal(verifyForward('the-secret-of-the-cluster', 'n1:nonsense', 'POST', '/v1/tenants/t/queues', now), null);
  assert.equal(
    verifyForward('the-secret-of-the-cluster', signature.replace(/.$/, 'z'), 'POST', '/v1/tenants/t/queues', now),
    null,
  );
});
