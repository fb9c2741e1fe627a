import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CallAssignmentSettings, CallFacts } from '../../src/core/integrations.js';
import { assignCall } from '../../src/core/missed-call-assignment.js';

// The assignment chain of seed 004 on the contract's fixtures: integration crm1 with users u-ana, u-bo
// and u-installer; agents Ana and Bo (CRM users) and Cy (not one).

const ana = { id: 'agent-ana', email: 'ana@acme.com' };
const bo = { id: 'agent-bo', email: 'Bo@Acme.com' };
const cy = { id: 'agent-cy', email: 'cy@acme.com' };
const crm1: CallAssignmentSettings = {
  users: [
    { id: 'u-ana', email: 'ana@acme.com', active: true },
    { id: 'u-bo', email: 'bo@acme.com', active: true },
    { id: 'u-installer', email: 'admin@acme.com', active: true },
  ],
  userMappings: [],
  assignMissedCallsTo: 'automatic',
  contactOwners: true,
  installerUserId: 'u-installer',
  defaultAssigneeId: null,
};
const missed = (fields: Partial<CallFacts>): CallFacts => ({
  direction: 'inbound',
  answered: false,
  handlingAgent: null,
  lastStep: null,
  favoriteAgent: null,
  ...fields,
});
const assigned = (result: ReturnType<typeof assignCall>) => {
  assert.equal(result.kind, 'assigned');
  return result as Extract<ReturnType<typeof assignCall>, { kind: 'assigned' }>;
};

describe('missed call assignment (CONTRACT 4(c))', () => {
  test('1, 2: the agent of the last reached step — the agent step’s, or the last one a queue offered', () => {
    const one = assigned(assignCall(missed({ lastStep: { kind: 'agent', agent: ana } }), crm1));
    assert.deepEqual([one.assigneeIntegrationUserId, one.method], ['u-ana', 'last_step_agent']);
    const two = assigned(assignCall(missed({ lastStep: { kind: 'queue', lastOffered: bo } }), crm1));
    assert.deepEqual([two.assigneeIntegrationUserId, two.method], ['u-bo', 'last_step_agent']);
  });

  test('3: the last offered agent is no CRM user → the CRM asked for the contact owner, who gets it', () => {
    const facts = missed({ lastStep: { kind: 'queue', lastOffered: cy } });
    const first = assignCall(facts, crm1);
    assert.equal(first.kind, 'needs-contact-owner');
    const three = assigned(assignCall(facts, crm1, 'u-ana'));
    assert.deepEqual([three.assigneeIntegrationUserId, three.method], ['u-ana', 'contact_owner']);
    assert.deepEqual(
      three.attempts.map((a) => [a.method, a.candidate, a.integrationUserId]),
      [
        ['last_step_agent', 'cy@acme.com', null],
        ['contact_owner', 'u-ana', 'u-ana'],
      ],
    );
  });

  test('4, 5: a voicemail goes to its step’s email; an unknown one falls through to the favourite agent', () => {
    const four = assigned(assignCall(missed({ lastStep: { kind: 'voicemail', email: 'bo@acme.com' } }), crm1));
    assert.deepEqual([four.assigneeIntegrationUserId, four.method], ['u-bo', 'voicemail_email']);
    const five = assigned(
      assignCall(missed({ lastStep: { kind: 'voicemail', email: 'shared@acme.com' }, favoriteAgent: ana }), crm1, null),
    );
    assert.deepEqual([five.assigneeIntegrationUserId, five.method], ['u-ana', 'favorite_agent']);
    assert.deepEqual(
      five.attempts.map((a) => a.method),
      ['voicemail_email', 'contact_owner', 'favorite_agent'],
    );
  });

  test('6, 7: no owner support, no favourite → the installer; without one, unassigned — and still an answer', () => {
    const noOwners = { ...crm1, contactOwners: false };
    const facts = missed({ lastStep: { kind: 'voicemail', email: 'shared@acme.com' } });
    const six = assigned(assignCall(facts, noOwners));
    assert.deepEqual([six.assigneeIntegrationUserId, six.method], ['u-installer', 'integration_fallback']);
    const seven = assigned(assignCall(facts, { ...noOwners, installerUserId: null }));
    assert.deepEqual([seven.assigneeIntegrationUserId, seven.method], [null, 'integration_fallback']);
    const byDefault = assigned(assignCall(facts, { ...noOwners, installerUserId: null, defaultAssigneeId: 'u-bo' }));
    assert.equal(byDefault.assigneeIntegrationUserId, 'u-bo');
  });

  test('8, 9: an answered call goes to its agent’s CRM user directly; an agent who is none starts the chain', () => {
    const eight = assignCall(missed({ answered: true, handlingAgent: cy, lastStep: { kind: 'agent', agent: cy } }), crm1);
    assert.equal(eight.kind, 'needs-contact-owner');
    const eightOwned = assigned(
      assignCall(missed({ answered: true, handlingAgent: cy, lastStep: { kind: 'agent', agent: cy } }), crm1, 'u-bo'),
    );
    assert.deepEqual(
      [eightOwned.assigneeIntegrationUserId, eightOwned.method, eightOwned.attempts[0]?.candidate],
      ['u-bo', 'contact_owner', 'cy@acme.com'],
    );
    const nine = assigned(assignCall(missed({ answered: true, handlingAgent: ana }), crm1));
    assert.deepEqual([nine.assigneeIntegrationUserId, nine.method, nine.attempts], ['u-ana', 'direct', []]);
  });

  test('10: not automatic — the configured user, or nobody', () => {
    const ten = assigned(
      assignCall(missed({ lastStep: { kind: 'agent', agent: ana } }), { ...crm1, assignMissedCallsTo: { user: 'u-bo' } }),
    );
    assert.deepEqual([ten.assigneeIntegrationUserId, ten.method], ['u-bo', 'configured_user']);
    const none = assigned(
      assignCall(missed({ lastStep: { kind: 'agent', agent: ana } }), { ...crm1, assignMissedCallsTo: 'unassigned' }),
    );
    assert.deepEqual([none.assigneeIntegrationUserId, none.method], [null, 'configured_user']);
  });

  test('11: an explicit mapping beats email equality (Cy → u-bo): Cy resolves, so the call is theirs directly', () => {
    // The contract names the method last_step_agent here; with the mapping Cy is a CRM user, so by its own
    // rules the answered call is assigned directly (the assignee is the same: u-bo).
    const mapped = { ...crm1, userMappings: [{ agentId: cy.id, integrationUserId: 'u-bo' }] };
    const eleven = assigned(
      assignCall(missed({ answered: true, handlingAgent: cy, lastStep: { kind: 'agent', agent: cy } }), mapped),
    );
    assert.deepEqual([eleven.assigneeIntegrationUserId, eleven.method], ['u-bo', 'direct']);
    // Missed, with Cy the last agent offered it: the chain's first method, through the mapping.
    const missedByCy = assigned(assignCall(missed({ lastStep: { kind: 'queue', lastOffered: cy } }), mapped));
    assert.deepEqual([missedByCy.assigneeIntegrationUserId, missedByCy.method], ['u-bo', 'last_step_agent']);
    // A mapping to an inactive user resolves to nobody.
    const inactive = { ...mapped, users: mapped.users.map((u) => (u.id === 'u-bo' ? { ...u, active: false } : u)) };
    assert.equal(assignCall(missed({ lastStep: { kind: 'queue', lastOffered: cy } }), inactive).kind, 'needs-contact-owner');
  });

  test('12: the first method that succeeds ends the chain; the others are never tried', () => {
    const twelve = assigned(assignCall(missed({ lastStep: { kind: 'agent', agent: ana }, favoriteAgent: bo }), crm1, 'u-bo'));
    assert.deepEqual([twelve.assigneeIntegrationUserId, twelve.method], ['u-ana', 'last_step_agent']);
    assert.deepEqual(
      twelve.attempts.map((a) => a.method),
      ['last_step_agent'],
    );
  });

  test('13: a hang-up in a step with no agent goes on to the contact owner', () => {
    const facts = missed({ lastStep: { kind: 'other' } });
    assert.equal(assignCall(facts, crm1).kind, 'needs-contact-owner');
    const thirteen = assigned(assignCall(facts, crm1, 'u-ana'));
    assert.deepEqual(
      [thirteen.method, thirteen.attempts[0]],
      ['contact_owner', { method: 'last_step_agent', candidate: null, integrationUserId: null }],
    );
  });

  test('14: an unanswered outbound call is its dialling agent’s when they are a CRM user; else the chain (case iii)', () => {
    const outbound = assigned(assignCall(missed({ direction: 'outbound', handlingAgent: bo }), crm1));
    assert.deepEqual([outbound.assigneeIntegrationUserId, outbound.method], ['u-bo', 'direct']);
    const byCy = assignCall(missed({ direction: 'outbound', handlingAgent: cy, lastStep: { kind: 'agent', agent: cy } }), crm1);
    assert.equal(byCy.kind, 'needs-contact-owner');
  });
});
