import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTenant, type Harness, make, routeByEntryPoint, startHarness } from '../support/harness.js';

// Invalid flows never reach storage; each kind of mistake has its own code, with a JSON pointer.

let h: Harness;
let base: string;
let flowId: string;

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

before(async () => {
  h = await startHarness();
  ({ base } = await createTenant(h));
  await make(h, `${base}/queues`, { name: 'Billing' });
  await make(h, `${base}/agents`, { name: 'Ada', email: 'ada@example.com', employeeId: 'E1' });
  await make(h, `${base}/flows`, { name: 'Not Reusable', definition: routeByEntryPoint });
  await make(h, `${base}/flows`, { name: 'Empty Sub', reusable: true });
  await make(h, `${base}/flows`, { name: 'Good Sub', reusable: true, definition: routeByEntryPoint });
  flowId = (await make(h, `${base}/flows`, { name: 'Main', definition: routeByEntryPoint })).id;
});
after(() => h.close());

const flow = (steps: Json[], start = steps[0]?.id ?? 'a') => ({ start, steps });
const q = (id: string, extra: Json = {}) => ({ id, type: 'routeToQueue', ...extra });

async function refused(definition: Json): Promise<{ code: string; field: string; message: string }[]> {
  const before = (await h.call('GET', `${base}/flows/${flowId}/versions`)).body.result.length;
  const response = await h.call('POST', `${base}/flows/${flowId}/versions`, { body: { definition } });
  assert.equal(response.status, 400, JSON.stringify(response.body));
  const afterCount = (await h.call('GET', `${base}/flows/${flowId}/versions`)).body.result.length;
  assert.equal(afterCount, before, 'an invalid flow reached storage');
  return response.body.errors;
}

async function refusedWith(definition: Json, code: string, field: string, message?: RegExp): Promise<void> {
  const errors = await refused(definition);
  const match = errors.find((e) => e.code === code && e.field === field);
  assert.ok(match, `expected ${code} at ${field}, got ${JSON.stringify(errors)}`);
  if (message) assert.match(match.message, message);
}

describe('each mistake has its own code', () => {
  test('FLOW_SCHEMA_VIOLATION: outer shape, step parameters, unknown fields, limits', async () => {
    await refusedWith({ steps: [q('a')] }, 'FLOW_SCHEMA_VIOLATION', 'definition/start');
    await refusedWith({ start: 'a', steps: [] }, 'FLOW_SCHEMA_VIOLATION', 'definition/steps');
    await refusedWith({ start: 'a', steps: [q('a')], extra: 1 }, 'FLOW_SCHEMA_VIOLATION', 'definition/extra');
    await refusedWith(flow([{ id: 'a', type: 'playPrompt' }]), 'FLOW_SCHEMA_VIOLATION', 'definition/steps/0/text');
    await refusedWith(flow([q('a', { colour: 'red' })]), 'FLOW_SCHEMA_VIOLATION', 'definition/steps/0/colour');
    await refusedWith(
      flow([{ id: 'a', type: 'httpRequest', method: 'GET', url: 'https://x.example', timeoutMs: 60000 }]),
      'FLOW_SCHEMA_VIOLATION',
      'definition/steps/0/timeoutMs',
    );
    await refusedWith(flow([q('a'), q('bad id!')]), 'FLOW_SCHEMA_VIOLATION', 'definition/steps/1/id');
    await refusedWith('not an object', 'FLOW_SCHEMA_VIOLATION', 'definition');
  });

  test('FLOW_UNKNOWN_STEP_TYPE, FLOW_DUPLICATE_STEP_ID, FLOW_START_NOT_FOUND, FLOW_EXIT_TARGET_NOT_FOUND', async () => {
    await refusedWith(flow([{ id: 'a', type: 'teleport' }]), 'FLOW_UNKNOWN_STEP_TYPE', 'definition/steps/0/type');
    await refusedWith(flow([q('a'), q('a')]), 'FLOW_DUPLICATE_STEP_ID', 'definition/steps/1/id');
    await refusedWith(flow([q('a')], 'nowhere'), 'FLOW_START_NOT_FOUND', 'definition/start');
    await refusedWith(
      flow([{ id: 'a', type: 'playPrompt', text: 'hi', exits: { next: 'ghost' } }]),
      'FLOW_EXIT_TARGET_NOT_FOUND',
      'definition/steps/0/exits/next',
    );
    await refusedWith(
      flow([{ id: 'a', type: 'branch', cases: [{ when: 'true', next: 'ghost' }] }]),
      'FLOW_EXIT_TARGET_NOT_FOUND',
      'definition/steps/0/cases/0/next',
    );
  });

  test('FLOW_EXPRESSION_INVALID, with the column of the mistake, in expressions and templates', async () => {
    await refusedWith(
      flow([{ id: 'a', type: 'setVariables', variables: { x: 'vars.count + ' } }]),
      'FLOW_EXPRESSION_INVALID',
      'definition/steps/0/variables/x',
      /column 14/,
    );
    await refusedWith(
      flow([{ id: 'a', type: 'branch', cases: [{ when: 'unknown.thing', next: 'a' }] }]),
      'FLOW_EXPRESSION_INVALID',
      'definition/steps/0/cases/0/when',
      /Unknown variable: unknown/,
    );
    await refusedWith(
      flow([{ id: 'a', type: 'playPrompt', text: 'Hello {{ vars.name + }}' }]),
      'FLOW_EXPRESSION_INVALID',
      'definition/steps/0/text',
      /column/,
    );
    await refusedWith(
      flow([{ id: 'a', type: 'playPrompt', text: 'Hello {{ vars.name' }]),
      'FLOW_EXPRESSION_INVALID',
      'definition/steps/0/text',
      /unclosed/,
    );
    await refusedWith(
      flow([{ id: 'a', type: 'collectInput', prompt: 'x', inputType: 'text', validWhen: 'agent.x' }]),
      'FLOW_EXPRESSION_INVALID',
      'definition/steps/0/validWhen',
    );
    await refusedWith(
      flow([q('a', { requirements: 'agent.skills >' })]),
      'FLOW_EXPRESSION_INVALID',
      'definition/steps/0/requirements',
    );
    // The router checks requirements against agents after the flow moved on: `agent` is all they see.
    for (const name of ['interaction.attributes.tier', 'vars.x', 'contact.firstName']) {
      await refusedWith(
        flow([q('a', { requirements: `${name} == 'gold'` })]),
        'FLOW_EXPRESSION_INVALID',
        'definition/steps/0/requirements',
        /requirements can read only `agent`/,
      );
    }
  });

  test('FLOW_QUEUE_NOT_FOUND, FLOW_AGENT_NOT_FOUND, FLOW_SUBFLOW_NOT_FOUND', async () => {
    await refusedWith(flow([q('a', { queue: 'Nope' })]), 'FLOW_QUEUE_NOT_FOUND', 'definition/steps/0/queue');
    await refusedWith(flow([{ id: 'a', type: 'callback', queue: 'Nope' }]), 'FLOW_QUEUE_NOT_FOUND', 'definition/steps/0/queue');
    await refusedWith(
      flow([
        { id: 'a', type: 'routeToAgent', agent: 'bob@example.com', expiresAfterSeconds: 5, exits: { timeout: 'b' } },
        q('b'),
      ]),
      'FLOW_AGENT_NOT_FOUND',
      'definition/steps/0/agent',
    );
    await refusedWith(
      flow([q('a', { preferredAgent: { agent: 'E2', expiresAfterSeconds: 5 } })]),
      'FLOW_AGENT_NOT_FOUND',
      'definition/steps/0/preferredAgent/agent',
    );
    for (const [name, why] of [
      ['Missing', /No flow/],
      ['Not_Reusable', /not reusable/],
      ['Empty_Sub', /no active version/],
    ] as const) {
      await refusedWith(
        flow([{ id: 'a', type: 'subflow', flow: name }]),
        'FLOW_SUBFLOW_NOT_FOUND',
        'definition/steps/0/flow',
        why,
      );
    }
  });

  test('schedules, URLs, bodies, digits, emails and required exits', async () => {
    const hours = (extra: Json) =>
      flow([{ id: 'a', type: 'businessHours', weekly: { mon: [{ open: '09:00', close: '17:00' }] }, ...extra }]);
    await refusedWith(hours({ timeZone: 'Mars/Base' }), 'FLOW_INVALID_TIME_ZONE', 'definition/steps/0/timeZone');
    await refusedWith(
      flow([{ id: 'a', type: 'businessHours', weekly: { mon: [{ open: '17:00', close: '09:00' }] } }]),
      'FLOW_INVALID_SCHEDULE',
      'definition/steps/0/weekly/mon/0',
    );
    await refusedWith(
      flow([{ id: 'a', type: 'businessHours', weekly: { mon: [{ open: '9am', close: '17:00' }] } }]),
      'FLOW_SCHEMA_VIOLATION',
      'definition/steps/0/weekly/mon/0/open',
    );
    await refusedWith(
      flow([{ id: 'a', type: 'httpRequest', method: 'GET', url: 'ftp://files.example' }]),
      'FLOW_INVALID_URL',
      'definition/steps/0/url',
    );
    await refusedWith(
      flow([{ id: 'a', type: 'httpRequest', method: 'POST', url: 'https://x.example', body: 'a', json: { b: 1 } }]),
      'FLOW_BODY_CONFLICT',
      'definition/steps/0/json',
    );
    await refusedWith(
      flow([{ id: 'a', type: 'collectInput', prompt: 'x', inputType: 'digits', minDigits: 5, maxDigits: 2 }]),
      'FLOW_INVALID_DIGITS',
      'definition/steps/0/minDigits',
    );
    await refusedWith(
      flow([{ id: 'a', type: 'voicemail', notificationEmail: 'not-an-email' }]),
      'FLOW_INVALID_EMAIL',
      'definition/steps/0/notificationEmail',
    );
    await refusedWith(flow([q('a', { maxWaitSeconds: 60 })]), 'FLOW_EXIT_REQUIRED', 'definition/steps/0/exits/timeout');
    await refusedWith(
      flow([{ id: 'a', type: 'routeToAgent', agent: 'E1', expiresAfterSeconds: 5 }]),
      'FLOW_EXIT_REQUIRED',
      'definition/steps/0/exits/timeout',
    );
  });

  test('every problem is reported at once', async () => {
    const errors = await refused(
      flow([
        { id: 'a', type: 'setVariables', variables: { x: '1 +' }, exits: { next: 'ghost' } },
        q('b', { queue: 'Nope' }),
        { id: 'c', type: 'voicemail', notificationEmail: 'nope' },
      ]),
    );
    assert.deepEqual(errors.map((e) => e.code).sort(), [
      'FLOW_EXIT_TARGET_NOT_FOUND',
      'FLOW_EXPRESSION_INVALID',
      'FLOW_INVALID_EMAIL',
      'FLOW_QUEUE_NOT_FOUND',
    ]);
  });

  test('a flow created with an invalid definition is not created at all', async () => {
    const count = (await h.call('GET', `${base}/flows?limit=200`)).body.result.length;
    const response = await h.call('POST', `${base}/flows`, {
      body: { name: 'Broken', definition: flow([q('a', { queue: 'Nope' })]) },
    });
    assert.equal(response.status, 400);
    assert.equal((await h.call('GET', `${base}/flows?limit=200`)).body.result.length, count);
  });
});

describe('warnings, dry runs and formats', () => {
  test('unreachable steps are a warning, not an error', async () => {
    const response = await h.call('POST', `${base}/flows/${flowId}/versions`, {
      body: { definition: flow([q('a'), q('island')]) },
    });
    assert.equal(response.status, 201);
    assert.deepEqual(response.body.warnings, [
      { code: 'FLOW_STEP_UNREACHABLE', field: 'definition/steps/1', message: 'Step "island" cannot be reached from the start.' },
    ]);
  });

  test('POST /flows/validate checks without storing', async () => {
    const bad = await h.call('POST', `${base}/flows/validate`, { body: { definition: flow([q('a', { queue: 'Nope' })]) } });
    assert.equal(bad.status, 200);
    assert.equal(bad.body.result.valid, false);
    assert.equal(bad.body.result.errors[0].code, 'FLOW_QUEUE_NOT_FOUND');
    const good = await h.call('POST', `${base}/flows/validate`, { body: { definition: routeByEntryPoint } });
    assert.deepEqual(good.body.result, { valid: true, errors: [], warnings: [] });
  });

  test('YAML is accepted on upload; malformed YAML gets its own code', async () => {
    const yaml = [
      'activate: true',
      'label: from yaml',
      'definition:',
      '  start: hello',
      '  steps:',
      '    - id: hello',
      '      type: playPrompt',
      '      text: "Hello {{ interaction.customer }}"',
      '      exits: { next: queue }',
      '    - id: queue',
      '      type: routeToQueue',
      '      queue: Billing',
    ].join('\n');
    const created = await h.call('POST', `${base}/flows/${flowId}/versions`, {
      body: yaml,
      headers: { 'content-type': 'application/yaml' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.result.label, 'from yaml');
    assert.equal(created.body.result.definition.steps[1].queue, 'Billing');
    const flowAfter = (await h.call('GET', `${base}/flows/${flowId}`)).body.result;
    assert.equal(flowAfter.activeVersionId, created.body.result.id);
    const broken = await h.call('POST', `${base}/flows/${flowId}/versions`, {
      body: 'definition: [unclosed',
      headers: { 'content-type': 'text/yaml' },
    });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.errors[0].code, 'MALFORMED_YAML');
  });

  test('the flow JSON Schema is published and names every step type', async () => {
    const response = await h.call('GET', '/v1/schemas/flow.json', { token: null });
    assert.equal(response.status, 200);
    const types = response.body.properties.steps.items.anyOf.map((s: Json) => s.properties.type.const);
    assert.deepEqual(types.sort(), [
      'branch',
      'businessHours',
      'callback',
      'collectInput',
      'end',
      'httpRequest',
      'inviteToChat',
      'playPrompt',
      'routeToAgent',
      'routeToQueue',
      'sendMessage',
      'setVariables',
      'subflow',
      'voicemail',
    ]);
  });

  test('simulate: a sample interaction and scripted events give the path and effects, and touch nothing', async () => {
    const sim = await make(h, `${base}/flows`, {
      name: 'Sim',
      definition: {
        start: 'lookup',
        steps: [
          {
            id: 'lookup',
            type: 'httpRequest',
            method: 'GET',
            url: 'https://crm.example/c/{{interaction.customer}}',
            responseVariables: { tier: 'response.body.tier' },
            exits: { next: 'ask' },
          },
          {
            id: 'ask',
            type: 'collectInput',
            prompt: 'Your {{vars.tier}} menu: press 1',
            inputType: 'digits',
            retries: 0,
            timeoutSeconds: 5,
            exits: { next: 'q', timeout: 'vm' },
          },
          q('q', { queue: 'Billing', priority: "vars.tier == 'gold' ? 9 : 0" }),
          { id: 'vm', type: 'voicemail', notificationEmail: 'a@example.com' },
        ],
      },
    });
    const interactionsBefore = (await h.call('GET', `${base}/interactions`)).body.result.length;
    const url = `${base}/flows/${sim.id}/versions/${sim.activeVersionId}/simulate`;
    const answered = await h.call('POST', url, {
      body: {
        interaction: { channelType: 'voice', customer: '+15065550001' },
        startAt: '2026-03-02T15:00:00.000Z',
        events: [
          { type: 'http.response', status: 200, body: { tier: 'gold' } },
          { type: 'input', value: '1', afterSeconds: 2 },
        ],
      },
    });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const result = answered.body.result;
    assert.deepEqual(
      result.path.map((p: Json) => `${p.stepId}:${p.exit}`),
      ['lookup:next', 'ask:next', 'q:null'],
    );
    assert.equal(result.status, 'waiting');
    assert.equal(result.vars.tier, 'gold');
    const enqueue = result.timeline.at(-1).effects.find((e: Json) => e.type === 'enqueue');
    assert.equal(enqueue.priority, 9);
    assert.equal(result.timeline[0].effects[0].url, 'https://crm.example/c/+15065550001');
    // Silence longer than the timeout: the timer fires before the late input, as it would live.
    const silent = await h.call('POST', url, {
      body: {
        interaction: { customer: '+15065550001' },
        events: [
          { type: 'http.failed', reason: 'timeout' },
          { type: 'input', value: '1', afterSeconds: 30 },
        ],
      },
    });
    assert.equal(silent.status, 200);
    assert.deepEqual(
      silent.body.result.path.map((p: Json) => `${p.stepId}:${p.exit}`),
      ['lookup:timeout'],
    );
    assert.equal(silent.body.result.status, 'failed');
    assert.equal(silent.body.result.outcome.code, 'FLOW_STEP_FAILED');
    assert.equal((await h.call('GET', `${base}/interactions`)).body.result.length, interactionsBefore);
    const missing = await h.call('POST', `${base}/flows/${sim.id}/versions/01900000-0000-7000-8000-000000000000/simulate`, {
      body: {},
    });
    assert.equal(missing.status, 404);
  });
});

describe('agents', () => {
  test('email is normalised and unique; employee ids are unique; bad input is refused', async () => {
    const agent = await make(h, `${base}/agents`, {
      name: 'Grace',
      email: ' Grace@Example.COM ',
      employeeId: 'E7',
      attributes: { skills: { billing: 4, spanish: 3 } },
    });
    assert.equal(agent.email, 'grace@example.com');
    const sameEmail = await h.call('POST', `${base}/agents`, { body: { name: 'G2', email: 'grace@example.com' } });
    assert.equal(sameEmail.status, 409);
    assert.equal(sameEmail.body.errors[0].code, 'DUPLICATE_AGENT_EMAIL');
    const sameEmployee = await h.call('POST', `${base}/agents`, {
      body: { name: 'G3', email: 'g3@example.com', employeeId: 'E7' },
    });
    assert.equal(sameEmployee.status, 409);
    assert.equal(sameEmployee.body.errors[0].code, 'DUPLICATE_EMPLOYEE_ID');
    const bad = await h.call('POST', `${base}/agents`, { body: { name: '', email: 'nope' } });
    assert.deepEqual(bad.body.errors.map((e: Json) => e.code).sort(), ['INVALID_EMAIL', 'REQUIRED']);
    const updated = await h.call('PUT', `${base}/agents/${agent.id}`, { body: { attributes: { skills: { billing: 5 } } } });
    assert.equal(updated.body.result.attributes.skills.billing, 5);
    assert.equal(updated.body.result.email, 'grace@example.com');
  });
});
