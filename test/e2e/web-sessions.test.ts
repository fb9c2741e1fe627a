import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';

// Signing in to the web UI over HTTP: users with passwords or invitations, sessions in an HttpOnly
// SameSite cookie, CSRF tokens on changes, roles, throttled failures, sign-out and revocation.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

/** A browser: the cookie it was given, and the CSRF token its page keeps. */
async function signIn(path: string, body: Json) {
  const response = await h.call('POST', path, { body, token: null });
  const cookie = String(response.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  return { response, cookie, csrf: response.body?.result?.csrfToken as string };
}
const asBrowser = (session: { cookie: string; csrf?: string }, extra: Record<string, string> = {}) => ({
  token: null,
  headers: { cookie: session.cookie, ...(session.csrf ? { 'x-csrf-token': session.csrf } : {}), ...extra },
});

describe('web sessions', () => {
  test('an admin signs in with a password: an HttpOnly SameSite cookie, changes only with the CSRF token', async () => {
    const t = await createTenant(h);
    const created = await make(h, `${t.base}/users`, { email: 'Ada@Acme.com', role: 'admin', password: 'correct horse battery' });
    assert.deepEqual([created.email, created.passwordSet, created.invitation], ['ada@acme.com', true, null]);

    const session = await signIn('/auth/sign-in', { email: 'ada@acme.com', password: 'correct horse battery' });
    assert.equal(session.response.status, 200, JSON.stringify(session.response.body));
    const setCookie = String(session.response.headers['set-cookie']);
    assert.match(setCookie, /^sb_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.deepEqual(
      { ...session.response.body.result, csrfToken: undefined, expiresAt: undefined },
      {
        role: 'admin',
        tenantId: t.id,
        agentId: null,
        user: { id: created.id, email: 'ada@acme.com', name: 'ada@acme.com' },
        csrfToken: undefined,
        expiresAt: undefined,
      },
    );
    assert.equal((await h.call('GET', '/auth/session', asBrowser(session))).body.result.csrfToken, session.csrf);

    // Reads need the cookie only; a change needs the CSRF token too, and must come from this origin.
    assert.equal((await h.call('GET', `${t.base}/queues`, asBrowser({ cookie: session.cookie }))).status, 200);
    const noToken = await h.call('POST', `${t.base}/queues`, { ...asBrowser({ cookie: session.cookie }), body: { name: 'Q1' } });
    assert.deepEqual([noToken.status, noToken.body.errors[0].code], [403, 'CSRF_TOKEN_MISMATCH']);
    const forged = await h.call('POST', `${t.base}/queues`, {
      ...asBrowser(session, { origin: 'https://evil.example.com' }),
      body: { name: 'Q2' },
    });
    assert.equal(forged.status, 403);
    const made = await h.call('POST', `${t.base}/queues`, { ...asBrowser(session), body: { name: 'Q3' } });
    assert.equal(made.status, 201, JSON.stringify(made.body));

    // Another tenant does not exist for this session.
    const other = await createTenant(h);
    assert.equal((await h.call('GET', `${other.base}/queues`, asBrowser(session))).status, 404);

    // Signing out ends the session here and now.
    const out = await h.call('POST', '/auth/sign-out', asBrowser(session));
    assert.equal(out.status, 204);
    assert.match(String(out.headers['set-cookie']), /^sb_session=; .*Max-Age=0/);
    assert.equal((await h.call('GET', '/auth/session', asBrowser(session))).status, 401);
    assert.equal((await h.call('GET', `${t.base}/queues`, asBrowser(session))).status, 401);
  });

  test('wrong passwords are refused alike for unknown emails, and slowed down after five', async () => {
    const t = await createTenant(h);
    await make(h, `${t.base}/users`, { email: 'bo@acme.com', role: 'admin', password: 'a long enough password' });
    const unknown = await signIn('/auth/sign-in', { email: 'nobody@acme.com', password: 'whatever it is' });
    const wrong = await signIn('/auth/sign-in', { email: 'bo@acme.com', password: 'not the password' });
    assert.deepEqual([unknown.response.status, unknown.response.body.errors[0].code], [401, 'INVALID_CREDENTIALS']);
    assert.deepEqual(wrong.response.body, unknown.response.body, 'the answer does not tell which was wrong');
    for (let i = 0; i < 4; i++) await signIn('/auth/sign-in', { email: 'bo@acme.com', password: 'not the password' });
    const throttled = await signIn('/auth/sign-in', { email: 'bo@acme.com', password: 'a long enough password' });
    assert.deepEqual([throttled.response.status, throttled.response.body.errors[0].code], [429, 'TOO_MANY_SIGN_IN_ATTEMPTS']);
    assert.ok(Number(throttled.response.headers['retry-after']) > 0);
  });

  test('an invitation sets the password once; an agent user reaches the agent routes only; a supervisor reads', async () => {
    const t = await createTenant(h);
    const queue = await make(h, `${t.base}/queues`, { name: 'Sales' });
    const agent = await make(h, `${t.base}/agents`, { name: 'Cy', email: 'cy@acme.com', queueIds: [queue.id] });
    const invited = await make(h, `${t.base}/users`, { email: 'cy@acme.com', role: 'agent', agentId: agent.id });
    assert.equal(invited.passwordSet, false);
    assert.match(invited.invitation.token, /^[A-Za-z0-9_-]{43}$/);
    const short = await h.call('POST', '/auth/invitations/accept', {
      token: null,
      body: { token: invited.invitation.token, password: 'short' },
    });
    assert.equal(short.status, 400);
    const accepted = await signIn('/auth/invitations/accept', {
      token: invited.invitation.token,
      password: 'my very own password',
    });
    assert.equal(accepted.response.status, 200, JSON.stringify(accepted.response.body));
    assert.deepEqual([accepted.response.body.result.role, accepted.response.body.result.agentId], ['agent', agent.id]);
    const again = await h.call('POST', '/auth/invitations/accept', {
      token: null,
      body: { token: invited.invitation.token, password: 'another password here' },
    });
    assert.equal(again.body.errors[0].code, 'INVITATION_INVALID');

    const presence = await h.call('PUT', `${t.base}/agents/${agent.id}/presence`, {
      ...asBrowser(accepted),
      body: { status: 'available' },
    });
    assert.equal(presence.status, 200, JSON.stringify(presence.body));
    assert.equal((await h.call('GET', `${t.base}/channels`, asBrowser(accepted))).status, 403, 'not an agent route');

    const duplicate = await h.call('POST', `${t.base}/users`, { body: { email: 'CY@acme.com', role: 'supervisor' } });
    assert.equal(duplicate.body.errors[0].code, 'DUPLICATE_USER_EMAIL');
    await make(h, `${t.base}/users`, { email: 'sue@acme.com', role: 'supervisor', password: 'supervisor password' });
    const sue = await signIn('/auth/sign-in', { email: 'sue@acme.com', password: 'supervisor password' });
    assert.equal((await h.call('GET', `${t.base}/queues`, asBrowser(sue))).status, 200);
    const write = await h.call('POST', `${t.base}/queues`, { ...asBrowser(sue), body: { name: 'Nope' } });
    assert.deepEqual([write.status, write.body.errors[0].code], [403, 'FORBIDDEN']);

    // Deleting a user ends their sessions.
    const users = (await h.call('GET', `${t.base}/users`)).body.result as Json[];
    const sueId = users.find((u) => u.email === 'sue@acme.com').id;
    assert.equal((await h.call('DELETE', `${t.base}/users/${sueId}`)).status, 204);
    assert.equal((await h.call('GET', `${t.base}/queues`, asBrowser(sue))).status, 401);
  });

  test('a pasted API key opens a session that ends when the key is revoked', async () => {
    const t = await createTenant(h);
    const key = await make(h, `${t.base}/api-keys`, { name: 'desk' });
    const bad = await signIn('/auth/sign-in/token', { token: 'sbk_not-a-real-key' });
    assert.equal(bad.response.status, 401);
    const session = await signIn('/auth/sign-in/token', { token: key.key });
    assert.deepEqual([session.response.body.result.role, session.response.body.result.tenantId], ['admin', t.id]);
    assert.equal((await h.call('GET', `${t.base}/queues`, asBrowser(session))).status, 200);
    await h.call('DELETE', `${t.base}/api-keys/${key.id}`);
    assert.equal((await h.call('GET', `${t.base}/queues`, asBrowser(session))).status, 401);
  });
});
