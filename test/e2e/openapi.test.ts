import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('the OpenAPI document describes every resource with its request schemas; /docs serves the reference', async () => {
  const response = await h.call('GET', '/openapi.json', { token: null });
  assert.equal(response.status, 200);
  const doc = response.body;
  assert.match(doc.openapi, /^3\./);
  for (const path of [
    '/v1/tenants',
    '/v1/tenants/{tenantId}/api-keys',
    '/v1/tenants/{tenantId}/queues/{id}',
    '/v1/tenants/{tenantId}/channels/{channelId}/entry-point-settings/exceptions',
    '/v1/tenants/{tenantId}/dispatch-mappings',
    '/v1/tenants/{tenantId}/flows/{flowId}/versions',
    '/v1/tenants/{tenantId}/interactions/{id}/transfers',
    '/v1/tenants/{tenantId}/contacts/{id}',
  ]) {
    assert.ok(doc.paths[path], `missing ${path}`);
  }
  const create = doc.paths['/v1/tenants/{tenantId}/dispatch-mappings'].post;
  const schema = create.requestBody.content['application/json'].schema;
  assert.equal(schema.additionalProperties, false);
  assert.ok(schema.properties.interactionField.enum.includes('contact-point'));
  // Every operation has a summary and says what it answers: creates 201, deletes 204, errors in the shape.
  for (const [path, item] of Object.entries(
    doc.paths as Record<string, Record<string, { summary?: string; responses?: object }>>,
  )) {
    for (const [method, operation] of Object.entries(item)) {
      assert.ok(operation.summary, `${method} ${path} has no summary`);
      const codes = Object.keys(operation.responses ?? {});
      assert.ok(codes.includes('4XX'), `${method} ${path}: ${codes}`);
    }
  }
  assert.ok(doc.paths['/v1/tenants/{tenantId}/queues'].post.responses['201']);
  assert.ok(doc.paths['/v1/tenants/{tenantId}/queues/{id}'].delete.responses['204']);
  assert.equal(doc.paths['/v1/tenants/{tenantId}/queues/{id}'].delete.responses['200'], undefined);
  const page = await h.app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /swagger/i);
});
