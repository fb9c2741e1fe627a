import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';

// Integrations as CRMs (seed 004): their users, agent → user mappings and how missed calls are assigned.

let h: Harness;
let base: string;
let ana: { id: string };
let cy: { id: string };

before(async () => {
  h = await startHarness();
  ({ base } = await createTenant(h));
  ana = await make(h, `${base}/agents`, { name: 'Ana', email: 'ana@acme.com' });
  cy = await make(h, `${base}/agents`, { name: 'Cy', email: 'cy@acme.com', employeeId: 'E-7' });
});
after(() => h.close());

const crmUsers = [
  { id: 'u-ana', email: 'Ana@Acme.com' },
  { id: 'u-bo', email: 'bo@acme.com' },
  { id: 'u-installer', email: 'admin@acme.com', active: true },
  { id: 'u-gone', email: 'gone@acme.com', active: false },
];

function codes(body: { errors: { code: string; field?: string }[] }) {
  return body.errors.map((e) => `${e.code}:${e.field ?? ''}`).sort();
}

describe('integrations: users, user mappings and missed-call assignment settings', () => {
  test('an integration without them reads with the defaults: automatic, no users, no contact owners', async () => {
    const plain = await make(h, `${base}/integrations`, { name: 'Plain', type: 'generic-crm' });
    assert.deepEqual(
      {
        users: plain.users,
        userMappings: plain.userMappings,
        assignMissedCallsTo: plain.assignMissedCallsTo,
        contactOwners: plain.contactOwners,
        installerUserId: plain.installerUserId,
        defaultAssigneeId: plain.defaultAssigneeId,
      },
      {
        users: [],
        userMappings: [],
        assignMissedCallsTo: 'automatic',
        contactOwners: false,
        installerUserId: null,
        defaultAssigneeId: null,
      },
    );
  });

  test('users are stored with lower-case emails; mappings name agents by id, email or employee id and keep the id', async () => {
    const crm = await make(h, `${base}/integrations`, {
      name: 'CRM 1',
      type: 'hubspot',
      users: crmUsers,
      userMappings: [{ agentId: 'E-7', integrationUserId: 'u-bo' }],
      assignMissedCallsTo: 'automatic',
      contactOwners: true,
      installerUserId: 'u-installer',
    });
    assert.deepEqual(crm.users[0], { id: 'u-ana', email: 'ana@acme.com', active: true });
    assert.equal(crm.users[3].active, false);
    assert.deepEqual(crm.userMappings, [{ agentId: cy.id, integrationUserId: 'u-bo' }]);
    const read = await h.call('GET', `${base}/integrations/${crm.id}`);
    assert.deepEqual(read.body.result, crm);

    // A partial update keeps what it does not send; a list it sends replaces the list.
    const renamed = await h.call('PUT', `${base}/integrations/${crm.id}`, {
      body: { name: 'CRM one', userMappings: [{ agentId: 'ana@acme.com', integrationUserId: 'u-ana' }] },
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.result.installerUserId, 'u-installer');
    assert.equal(renamed.body.result.users.length, 4);
    assert.deepEqual(renamed.body.result.userMappings, [{ agentId: ana.id, integrationUserId: 'u-ana' }]);

    const configured = await h.call('PUT', `${base}/integrations/${crm.id}`, { body: { assignMissedCallsTo: { user: 'u-bo' } } });
    assert.deepEqual(configured.body.result.assignMissedCallsTo, { user: 'u-bo' });
    const unassigned = await h.call('PUT', `${base}/integrations/${crm.id}`, { body: { assignMissedCallsTo: 'unassigned' } });
    assert.equal(unassigned.body.result.assignMissedCallsTo, 'unassigned');

    // Removing a user that settings still name is refused, naming each place.
    const orphaning = await h.call('PUT', `${base}/integrations/${crm.id}`, {
      body: { users: [{ id: 'u-bo', email: 'bo@acme.com' }] },
    });
    assert.equal(orphaning.status, 400);
    assert.deepEqual(codes(orphaning.body), [
      'INTEGRATION_USER_NOT_FOUND:installerUserId',
      'INTEGRATION_USER_NOT_FOUND:userMappings/0/integrationUserId',
    ]);
    const unchanged = await h.call('GET', `${base}/integrations/${crm.id}`);
    assert.equal(unchanged.body.result.users.length, 4);
  });

  test('bad settings are refused, every problem at once, and nothing is stored', async () => {
    const before = await h.call('GET', `${base}/integrations?limit=200`);
    const refused = await h.call('POST', `${base}/integrations`, {
      body: {
        name: 'Bad',
        type: 'bad-crm',
        users: [
          { id: 'u1', email: 'one@acme.com' },
          { id: 'u1', email: 'ONE@acme.com' },
          { id: ' ', email: 'not an email' },
        ],
        userMappings: [
          { agentId: 'nobody@acme.com', integrationUserId: 'u1' },
          { agentId: ana.id, integrationUserId: 'u1' },
          { agentId: 'ana@acme.com', integrationUserId: 'u-missing' },
        ],
        assignMissedCallsTo: { user: 'u-missing' },
        defaultAssigneeId: 'u-missing',
      },
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(codes(refused.body), [
      'AGENT_NOT_FOUND:userMappings/0/agentId',
      'DUPLICATE_INTEGRATION_USER:users/1/email',
      'DUPLICATE_INTEGRATION_USER:users/1/id',
      'DUPLICATE_USER_MAPPING:userMappings/2/agentId',
      'INTEGRATION_USER_NOT_FOUND:assignMissedCallsTo/user',
      'INTEGRATION_USER_NOT_FOUND:defaultAssigneeId',
      'INTEGRATION_USER_NOT_FOUND:userMappings/2/integrationUserId',
      'INVALID_EMAIL:users/2/email',
      'REQUIRED:users/2/id',
    ]);
    const shape = await h.call('POST', `${base}/integrations`, {
      body: { name: 'Bad', type: 'bad-crm', assignMissedCallsTo: 'everyone' },
    });
    assert.equal(shape.status, 400);
    const after = await h.call('GET', `${base}/integrations?limit=200`);
    assert.equal(after.body.result.length, before.body.result.length);
  });

  test('a mapping cannot name another tenant’s agent', async () => {
    const other = await createTenant(h, { name: 'Other' });
    const refused = await h.call('POST', `${other.base}/integrations`, {
      body: {
        name: 'CRM',
        type: 'hubspot',
        users: [{ id: 'u-x', email: 'x@other.com' }],
        userMappings: [{ agentId: ana.id, integrationUserId: 'u-x' }],
      },
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(codes(refused.body), ['AGENT_NOT_FOUND:userMappings/0/agentId']);
  });
});
