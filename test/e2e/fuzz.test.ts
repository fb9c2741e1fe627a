import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';

// Thousands of generated requests, made from the server's own OpenAPI document: bodies that follow the
// schemas, bodies that break them (wrong types, unknown fields, nesting thousands deep, strings of
// megabytes), unknown ids, odd content types. Whatever comes in, the answer is a 4xx or a 2xx with
// the documented error shape — never a 5xx, a crash or a hang — and the server keeps answering.
// The generator is seeded: a failure names the seed and the request, and FUZZ_SEED replays it.

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema documents.
type Schema = any;

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const requestsPerOperation = Number(process.env.FUZZ_REQUESTS ?? 40);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(seed);
const chance = (p: number) => random() < p;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const integer = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

const strangeStrings = [
  '',
  ' ',
  'null',
  '0',
  '-1',
  '1e309',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  "'; DROP TABLE interactions; --",
  '{{ vars.x }}',
  '<$ Contact.FirstName $>',
  '\u0000',
  '\ud800',
  '😀'.repeat(50),
  '+18005555565',
  'sip:a@b.example',
  'a@example.com',
  'http://127.0.0.1:1/',
  '2026-03-02T10:00:00.000Z',
];

function randomString(): string {
  if (chance(0.4)) return pick(strangeStrings);
  if (chance(0.05)) return 'x'.repeat(integer(1000, 200_000));
  const length = integer(0, 30);
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(integer(32, 0x2fff));
  return text;
}

/** A random string as a URL part (a lone surrogate cannot be encoded: then a plain one). */
function urlPart(): string {
  try {
    return encodeURIComponent(randomString()) || 'x';
  } catch {
    return 'x';
  }
}

/** Any JSON value, sometimes nested deep. */
function anyValue(depth = 0): unknown {
  const kind = depth > 6 ? integer(0, 3) : integer(0, 5);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return chance(0.5);
    case 2:
      return pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1, 42]);
    case 3:
      return randomString();
    case 4:
      return Array.from({ length: integer(0, 4) }, () => anyValue(depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: integer(0, 4) }, () => [randomString().slice(0, 20), anyValue(depth + 1)]));
  }
}

/** A value for the schema: mostly what it asks for, sometimes not. */
function valueFor(schema: Schema, depth = 0): unknown {
  if (!schema || depth > 8 || chance(0.04)) return anyValue(depth);
  if (schema.anyOf || schema.oneOf) return valueFor(pick(schema.anyOf ?? schema.oneOf), depth + 1);
  if (schema.enum) return chance(0.9) ? pick(schema.enum) : randomString();
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      const result: Record<string, unknown> = {};
      const properties = schema.properties ?? {};
      for (const [name, property] of Object.entries(properties)) {
        if ((schema.required ?? []).includes(name) ? chance(0.95) : chance(0.5)) result[name] = valueFor(property, depth + 1);
      }
      if (!schema.properties || chance(0.05)) {
        for (let i = integer(0, 3); i > 0; i--) result[randomString().slice(0, 20)] = anyValue(depth + 1);
      }
      return result;
    }
    case 'array':
      return Array.from({ length: chance(0.02) ? integer(100, 2000) : integer(0, 4) }, () => valueFor(schema.items, depth + 1));
    case 'string':
      if (schema.format === 'date-time' && chance(0.7)) return new Date(integer(0, 4e12)).toISOString();
      return randomString();
    case 'integer':
      return chance(0.8) ? integer(schema.minimum ?? -5, Math.min(schema.maximum ?? 1000, 1e9)) : anyValue(depth);
    case 'number':
      return chance(0.8) ? random() * 1000 : anyValue(depth);
    case 'boolean':
      return chance(0.9) ? chance(0.5) : anyValue(depth);
    default:
      return anyValue(depth);
  }
}

/** `[[[…]]]` or `{"a":{"a":…}}`, thousands deep, with the body's own fields around it. */
function deeplyNested(): string {
  const depth = integer(100, 6000);
  return chance(0.5) ? `{"a":${'['.repeat(depth)}1${']'.repeat(depth)}}` : `{"a":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

let h: Harness;
let tenantId: string;
const ids: string[] = [];
before(async () => {
  h = await startHarness();
  const t = await createTenant(h, { timeZone: 'UTC' });
  tenantId = t.id;
  const { queue, phones } = await routedVoiceQueue(h, t.base, {});
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', queueIds: [queue.id] });
  const call = await h.call('POST', `${t.base}/interactions`, {
    body: { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550000' },
  });
  ids.push(queue.id, phones.id, agent.id, call.body.result.id);
});
after(() => h.close());

test(`generated requests from the OpenAPI document: no 5xx, no crash (seed ${seed})`, async () => {
  const document = (await h.call('GET', '/openapi.json', { token: null })).body;
  const operations: { method: string; path: string; body: Schema | null; documented: string[] }[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const body = operation.requestBody?.content?.['application/json']?.schema ?? null;
      operations.push({ method: method.toUpperCase(), path, body, documented: Object.keys(operation.responses ?? {}) });
    }
  }
  assert.ok(operations.length > 50, `${operations.length} operations`);
  let sent = 0;
  for (const operation of operations) {
    for (let i = 0; i < requestsPerOperation; i++) {
      const url = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
        if (name === 'tenantId') return chance(0.9) ? tenantId : urlPart();
        return chance(0.6) ? pick(ids) : urlPart();
      });
      const query = chance(0.2) ? `?${urlPart()}=${urlPart()}` : '';
      let payload: string | undefined;
      let contentType = 'application/json';
      if (operation.method !== 'GET' && operation.method !== 'DELETE') {
        const roll = random();
        if (roll < 0.05) payload = deeplyNested();
        else if (roll < 0.08) payload = JSON.stringify(valueFor(operation.body)).slice(0, integer(0, 50));
        else if (roll < 0.1) {
          payload = '<call><to>+1</to></call>';
          contentType = pick(['application/xml', 'text/plain', 'application/x-www-form-urlencoded', 'application/yaml']);
        } else payload = JSON.stringify(valueFor(operation.body) ?? {});
      }
      const response = await h.app.inject({
        method: operation.method as 'GET',
        url: `${url}${query}`,
        headers: {
          authorization: 'Bearer sba_test-admin-token',
          ...(payload === undefined ? {} : { 'content-type': contentType }),
        },
        payload,
      });
      sent += 1;
      const request = `${operation.method} ${`${url}${query}`.slice(0, 200)} ${payload?.slice(0, 300) ?? ''}`;
      assert.ok(response.statusCode < 500, `seed ${seed}: ${response.statusCode} ${response.body.slice(0, 300)} for ${request}`);
      // A success answers with a status the document promises for the operation.
      if (response.statusCode < 300) {
        assert.ok(
          operation.documented.includes(String(response.statusCode)),
          `${operation.method} ${operation.path} answered ${response.statusCode}; documented ${operation.documented.join(', ')}`,
        );
      }
      if (response.statusCode >= 400 && !url.startsWith('/telephony/')) {
        const body = JSON.parse(response.body);
        assert.ok(Array.isArray(body.errors) && typeof body.errors[0]?.code === 'string', `seed ${seed}: ${request}`);
      }
    }
  }
  assert.ok(sent >= 2000, `${sent} requests`);
  // Still answering, data still readable.
  assert.equal((await h.call('GET', '/healthz', { token: null })).status, 200);
  assert.equal((await h.call('GET', `/v1/tenants/${tenantId}/interactions`)).status, 200);
});
