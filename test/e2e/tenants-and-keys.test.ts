import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('every /v1 route needs credentials: 401 without, with a malformed header or an unknown token', async () => {
  const { base } = await createTenant(h);
  for (const [method, url] of [
    ['GET', '/v1/tenants'],
    ['POST', '/v1/tenants'],
    ['GET', `${base}/queues`],
    ['POST', `${base}/interactions`],
    ['GET', '/v1/no-such-route'],
  ]) {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer sbk_not-a-key' }] as Record<
      string,
      string
    >[]) {
      const response = await h.call(method as string, url as string, {
        token: null,
        headers,
        body: method === 'POST' ? {} : undefined,
      });
      assert.equal(response.status, 401, `${method} ${url} ${JSON.stringify(headers)}`);
      assert.equal(response.body.errors[0].code, 'UNAUTHENTICATED');
    }
  }
  // The API description is public; it holds no tenant data.
  assert.equal((await h.call('GET', '/openapi.json', { token: null })).status, 200);
});

test('tenants: admin creates and lists; defaults; validation of country, time zone and parent', async () => {
  const created = await h.call('POST', '/v1/tenants', { body: { name: '  Globex  ' } });
  assert.equal(created.status, 201);
  assert.deepEqual(
    {
      name: created.body.result.name,
      defaultCountry: created.body.result.defaultCountry,
      timeZone: created.body.result.timeZone,
    },
    { name: 'Globex', defaultCountry: null, timeZone: 'UTC' },
  );
  const lower = await make(h, '/v1/tenants', { name: 'Lower', defaultCountry: 'gb', timeZone: 'Europe/London' });
  assert.equal(lower.defaultCountry, 'GB');
  const bad = await h.call('POST', '/v1/tenants', {
    body: { name: '', defaultCountry: 'XX', timeZone: 'Mars/Olympus', parentTenantId: 'nope' },
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.errors.map((e: { code: string }) => e.code).sort(), [
    'INVALID_COUNTRY',
    'INVALID_TIME_ZONE',
    'PARENT_TENANT_NOT_FOUND',
    'REQUIRED',
  ]);
  const list = await h.call('GET', '/v1/tenants?limit=1');
  assert.equal(list.body.result.length, 1);
  assert.ok(list.body.nextCursor);
});

test('a tenant key works for its tenant only; other tenants look like missing ones; it cannot manage tenants', async () => {
  const a = await createTenant(h, { name: 'A' });
  const b = await createTenant(h, { name: 'B' });
  const issued = await h.call('POST', `${a.base}/api-keys`, { body: { name: 'integration' } });
  assert.equal(issued.status, 201);
  const key: string = issued.body.result.key;
  assert.match(key, /^sbk_[A-Za-z0-9_-]{43}$/);
  const queue = await make(h, `${a.base}/queues`, { name: 'Q' }, key);
  assert.equal((await h.call('GET', `${a.base}/queues/${queue.id}`, { token: key })).status, 200);
  assert.equal((await h.call('GET', `${a.base}`, { token: key })).body.result.id, a.id);

  const foreign = await h.call('GET', `${b.base}/queues`, { token: key });
  const missing = await h.call('GET', '/v1/tenants/01900000-0000-7000-8000-000000000000/queues', { token: key });
  assert.equal(foreign.status, 404);
  assert.deepEqual(foreign.body, missing.body);
  const bQueue = await make(h, `${b.base}/queues`, { name: 'B queue' });
  assert.equal((await h.call('GET', `${a.base}/queues/${bQueue.id}`, { token: key })).status, 404);
  assert.equal((await h.call('GET', `${a.base}/queues/${bQueue.id}`)).status, 404);

  for (const [method, url] of [
    ['POST', '/v1/tenants'],
    ['GET', '/v1/tenants'],
  ]) {
    const response = await h.call(method as string, url as string, {
      token: key,
      body: method === 'POST' ? { name: 'x' } : undefined,
    });
    assert.equal(response.status, 403);
    assert.equal(response.body.errors[0].code, 'FORBIDDEN');
  }
});

test('keys are listed without their secret, stored hashed, and stop working when revoked', async () => {
  const t = await createTenant(h, { name: 'Keys' });
  const issued = await make(h, `${t.base}/api-keys`, {});
  const list = await h.call('GET', `${t.base}/api-keys`);
  assert.equal(list.body.result.length, 1);
  assert.equal(list.body.result[0].key, undefined);
  assert.equal(list.body.result[0].prefix, issued.key.slice(0, 10));
  assert.ok(!JSON.stringify(list.body).includes(issued.key));
  assert.equal((await h.call('GET', `${t.base}/queues`, { token: issued.key })).status, 200);
  assert.equal((await h.call('DELETE', `${t.base}/api-keys/${issued.id}`)).status, 204);
  assert.equal((await h.call('GET', `${t.base}/queues`, { token: issued.key })).status, 401);
  const revoked = await h.call('GET', `${t.base}/api-keys/${issued.id}`);
  assert.ok(revoked.body.result.revokedAt);
  assert.equal((await h.call('DELETE', `${t.base}/api-keys/01900000-0000-7000-8000-000000000000`)).status, 404);
});

test('tenant update validates like create and keeps the id', async () => {
  const t = await createTenant(h, { name: 'Upd' });
  const ok = await h.call('PUT', t.base, { body: { timeZone: 'Asia/Tokyo' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.result.timeZone, 'Asia/Tokyo');
  assert.equal(ok.body.result.name, 'Upd');
  const bad = await h.call('PUT', t.base, { body: { defaultCountry: 'ZZ' } });
  assert.equal(bad.status, 400);
  assert.equal((await h.call('GET', t.base)).body.result.defaultCountry, 'US');
});
