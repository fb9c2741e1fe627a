import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';
import { eventually } from '../support/http-receiver.js';

// Interaction search (by customer, queue and time) and the customer record an agent sees on the work
// they hold: the contact and the customer's latest interactions.

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

async function call(base: string, customer: string) {
  return make(h, `${base}/interactions`, { channelType: 'voice', contactPoint: '+18005555565', customer });
}

test('interactions are found by customer (as typed, normalized), queue and time; a bad time is refused', async () => {
  const t = await createTenant(h);
  const { queue } = await routedVoiceQueue(h, t.base, {});
  const other = await make(h, `${t.base}/queues`, { name: 'Other' });
  const first = await call(t.base, '+15065550100');
  await h.clock.advance(60_000);
  const middle = await call(t.base, '+15065550199');
  await h.clock.advance(60_000);
  const last = await call(t.base, '+15065550100');

  const ids = async (query: string) =>
    (await h.call('GET', `${t.base}/interactions?${query}`)).body.result.map((i: { id: string }) => i.id);
  assert.deepEqual(await ids(`customer=${encodeURIComponent('(506) 555-0100')}`), [first.id, last.id]);
  assert.deepEqual(await ids(`customer=${encodeURIComponent('+15065550199')}`), [middle.id]);
  assert.deepEqual(await ids(`queueId=${queue.id}`), [first.id, middle.id, last.id]);
  assert.deepEqual(await ids(`queueId=${other.id}`), []);
  assert.deepEqual(await ids(`createdFrom=${encodeURIComponent(middle.createdAt)}`), [middle.id, last.id]);
  assert.deepEqual(await ids(`createdBefore=${encodeURIComponent(middle.createdAt)}`), [first.id]);
  assert.deepEqual(await ids(`customer=%2B15065550100&createdFrom=${encodeURIComponent(middle.createdAt)}`), [last.id]);

  const bad = await h.call('GET', `${t.base}/interactions?createdFrom=yesterday`);
  assert.equal(bad.status, 400);
  assert.deepEqual([bad.body.errors[0].code, bad.body.errors[0].field], ['INVALID_VALUE', 'createdFrom']);
  // Another tenant's search finds none of them.
  const stranger = await createTenant(h);
  assert.deepEqual((await h.call('GET', `${stranger.base}/interactions?customer=%2B15065550100`)).body.result, []);
});

test("the customer record: the contact and the customer's latest interactions; an agent reads it only for their work", async () => {
  const t = await createTenant(h);
  const { queue } = await routedVoiceQueue(h, t.base, {});
  const ana = await make(h, `${t.base}/agents`, { name: 'Ana', email: 'ana@acme.com', queueIds: [queue.id] });
  const bo = await make(h, `${t.base}/agents`, { name: 'Bo', email: 'bo@acme.com', queueIds: [queue.id] });
  const anaToken = (await make(h, `${t.base}/agents/${ana.id}/tokens`, {})).token as string;
  const boToken = (await make(h, `${t.base}/agents/${bo.id}/tokens`, {})).token as string;
  const contact = await make(h, `${t.base}/contacts`, {
    firstName: 'Maria',
    lastName: 'Lopez',
    phoneNumbers: ['+15065550100'],
    attributes: { tier: 'gold' },
  });

  // An earlier call, answered by Ana and wrapped up with a disposition.
  await h.call('PUT', `${t.base}/agents/${ana.id}/presence`, { token: anaToken, body: { status: 'available' } });
  const earlier = await call(t.base, '+15065550100');
  await eventually(async () => (await h.call('GET', `${t.base}/interactions/${earlier.id}`)).body.result.state === 'offered');
  await h.call('POST', `${t.base}/interactions/${earlier.id}/accept`, { token: anaToken });
  await h.call('POST', `${t.base}/interactions/${earlier.id}/end`, { token: anaToken });
  const done = await h.call('POST', `${t.base}/interactions/${earlier.id}/complete`, {
    token: anaToken,
    body: { disposition: 'resolved', notes: 'Reset the router.' },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  // Another customer's call, hung up while waiting.
  await h.call('PUT', `${t.base}/agents/${ana.id}/presence`, { token: anaToken, body: { status: 'away' } });
  const elsewhere = await call(t.base, '+15065550199');
  assert.equal((await h.call('POST', `${t.base}/interactions/${elsewhere.id}/abandon`)).status, 200);
  await h.call('PUT', `${t.base}/agents/${ana.id}/presence`, { token: anaToken, body: { status: 'available' } });

  // Today's call, offered to Ana again.
  const today = await call(t.base, '+15065550100');
  await eventually(async () => (await h.call('GET', `${t.base}/interactions/${today.id}`)).body.result.state === 'offered');
  const record = await h.call('GET', `${t.base}/interactions/${today.id}/customer-record`, { token: anaToken });
  assert.equal(record.status, 200, JSON.stringify(record.body));
  const { result } = record.body;
  assert.equal(result.customer, '+15065550100');
  assert.deepEqual(
    [result.contact.id, result.contact.firstName, result.contact.attributes],
    [contact.id, 'Maria', { tier: 'gold' }],
  );
  assert.deepEqual(
    result.history.map((p: { id: string; agentId: string; disposition: string; notes: string }) => [
      p.id,
      p.agentId,
      p.disposition,
      p.notes,
    ]),
    [[earlier.id, ana.id, 'resolved', 'Reset the router.']],
    'the earlier call only: not today’s, not another customer’s',
  );

  // Bo holds neither: to him the interaction does not exist. The admin reads it; another tenant does not.
  const bos = await h.call('GET', `${t.base}/interactions/${today.id}/customer-record`, { token: boToken });
  assert.equal(bos.status, 404);
  assert.equal((await h.call('GET', `${t.base}/interactions/${today.id}/customer-record`)).status, 200);
  const stranger = await createTenant(h);
  assert.equal((await h.call('GET', `${stranger.base}/interactions/${today.id}/customer-record`)).status, 404);

  // A customer nobody has a contact for: no contact, and the history still there.
  const unknown = await call(t.base, '+15065550199');
  const bare = (await h.call('GET', `${t.base}/interactions/${unknown.id}/customer-record`)).body.result;
  assert.equal(bare.contact, null);
  assert.equal(bare.history.length, 1);
});
