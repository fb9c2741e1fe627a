import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';

// Contacts through the API, and the favourite agent they give a flow: preferred for a while, then
// anyone in the queue (issue 4's "the contact's favourite agent"; seeds 001 and 004).

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

let h: Harness;
let url: string;
const clients: AgentClient[] = [];

before(async () => {
  h = await startHarness();
  url = await h.listen();
});
after(async () => {
  for (const client of clients) await client.close();
  await h.close();
});
beforeEach(async () => {
  await h.clock.set('2026-03-02T10:00:00.000Z');
});

describe('the contacts API', () => {
  test('numbers are stored in E.164 and addresses in lower case; the favourite agent is stored by id', async () => {
    const t = await createTenant(h, { defaultCountry: 'US' });
    const ada = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', employeeId: 'E1' });
    const created = await h.call('POST', `${t.base}/contacts`, {
      body: {
        firstName: 'John',
        lastName: 'Smith',
        phoneNumbers: ['(506) 555-0101', '+1 506 555 0101', '+44 20 7946 0018'],
        emailAddresses: ['John.Smith@Example.com'],
        favoriteAgentId: 'E1',
        attributes: { tier: 'gold' },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const contact = created.body.result;
    assert.deepEqual(contact.phoneNumbers, ['+15065550101', '+442079460018'], 'normalised, duplicates dropped');
    assert.deepEqual(contact.emailAddresses, ['john.smith@example.com']);
    assert.equal(contact.favoriteAgentId, ada.id);
    assert.equal(contact.title, null);
    assert.deepEqual((await h.call('GET', `${t.base}/contacts/${contact.id}`)).body.result, contact);
    const list = await h.call('GET', `${t.base}/contacts`);
    assert.deepEqual(
      list.body.result.map((c: Json) => c.id),
      [contact.id],
    );

    // Integrations find a customer by any number (written as they have it) or address.
    for (const address of ['+442079460018', '(506) 555-0101', 'JOHN.SMITH@example.com']) {
      const found = await h.call('GET', `${t.base}/contacts/lookup?address=${encodeURIComponent(address)}`);
      assert.equal(found.status, 200, address);
      assert.equal(found.body.result.id, contact.id);
    }
    assert.equal((await h.call('GET', `${t.base}/contacts/lookup?address=%2B15065550000`)).status, 404);
    const bad = await h.call('GET', `${t.base}/contacts/lookup?address=nonsense`);
    assert.deepEqual([bad.status, bad.body.errors[0].code, bad.body.errors[0].field], [400, 'INVALID_VALUE', 'address']);

    // PUT changes what it names and keeps the rest.
    const updated = await h.call('PUT', `${t.base}/contacts/${contact.id}`, { body: { title: 'Dr', favoriteAgentId: null } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.result.title, 'Dr');
    assert.equal(updated.body.result.favoriteAgentId, null);
    assert.deepEqual(updated.body.result.phoneNumbers, contact.phoneNumbers);

    assert.equal((await h.call('DELETE', `${t.base}/contacts/${contact.id}`)).status, 204);
    assert.equal((await h.call('GET', `${t.base}/contacts/${contact.id}`)).status, 404);
    assert.equal((await h.call('DELETE', `${t.base}/contacts/${contact.id}`)).status, 404);
  });

  test('bad input names each field; a number or address held by another contact is refused and nothing is written', async () => {
    const t = await createTenant(h, { defaultCountry: null });
    const codes = async (body: Json) => {
      const response = await h.call('POST', `${t.base}/contacts`, { body });
      assert.equal(response.status >= 400 && response.status < 500, true, JSON.stringify(response.body));
      return response.body.errors.map((e: Json) => `${e.code} ${e.field ?? ''}`.trim());
    };
    assert.deepEqual(await codes({ firstName: 'Nobody' }), ['REQUIRED phoneNumbers']);
    assert.deepEqual(await codes({ phoneNumbers: ['5065550101', '+1506555010x'], emailAddresses: ['not-an-address'] }), [
      'INVALID_E164 phoneNumbers/0',
      'INVALID_E164 phoneNumbers/1',
      'INVALID_EMAIL emailAddresses/0',
    ]);
    assert.deepEqual(await codes({ phoneNumbers: ['+15065550101'], favoriteAgentId: 'ghost@example.com' }), [
      'AGENT_NOT_FOUND favoriteAgentId',
    ]);
    assert.equal(
      (await h.call('POST', `${t.base}/contacts`, { body: { phoneNumbers: ['+15065550101'], nickname: 'J' } })).status,
      400,
    );
    assert.equal((await h.call('POST', `${t.base}/contacts`, { body: { phoneNumbers: 'not a list' } })).status, 400);

    const first = await make(h, `${t.base}/contacts`, { phoneNumbers: ['+15065550101'], emailAddresses: ['a@example.com'] });
    const taken = await h.call('POST', `${t.base}/contacts`, {
      body: { phoneNumbers: ['+15065550199'], emailAddresses: ['b@example.com', 'B@example.com', 'A@example.com'] },
    });
    assert.equal(taken.status, 409);
    assert.deepEqual(
      taken.body.errors.map((e: Json) => [e.code, e.field]),
      [['DUPLICATE_CONTACT_ADDRESS', 'emailAddresses/2']],
      'the field names the address where it was sent, duplicates within the request included',
    );
    assert.match(taken.body.errors[0].message, new RegExp(first.id));
    const all = await h.call('GET', `${t.base}/contacts`);
    assert.equal(all.body.result.length, 1, 'the refused contact was not stored');

    // A contact may keep its own numbers on update; dropping one frees it for another contact.
    assert.equal((await h.call('PUT', `${t.base}/contacts/${first.id}`, { body: { lastName: 'Same' } })).status, 200);
    await h.call('PUT', `${t.base}/contacts/${first.id}`, { body: { phoneNumbers: [] } });
    await make(h, `${t.base}/contacts`, { phoneNumbers: ['+15065550101'] });
    const emptied = await h.call('PUT', `${t.base}/contacts/${first.id}`, { body: { emailAddresses: [] } });
    assert.equal(emptied.status, 400, 'a contact keeps at least one number or address');
  });

  test("another tenant's contacts look like missing ones; the same number may belong to a contact in each tenant", async () => {
    const a = await createTenant(h, { name: 'A' });
    const b = await createTenant(h, { name: 'B' });
    const keyOfB = (await make(h, `${b.base}/api-keys`, { name: 'b' })).key as string;
    const contact = await make(h, `${a.base}/contacts`, { phoneNumbers: ['+15065550101'] });
    assert.equal((await h.call('GET', `${b.base}/contacts/${contact.id}`, { token: keyOfB })).status, 404);
    assert.equal((await h.call('PUT', `${b.base}/contacts/${contact.id}`, { token: keyOfB, body: { title: 'X' } })).status, 404);
    assert.equal((await h.call('DELETE', `${b.base}/contacts/${contact.id}`, { token: keyOfB })).status, 404);
    assert.notEqual((await h.call('GET', `${a.base}/contacts/${contact.id}`, { token: keyOfB })).status, 200);
    const lookup = `contacts/lookup?address=${encodeURIComponent('+15065550101')}`;
    assert.equal((await h.call('GET', `${b.base}/${lookup}`, { token: keyOfB })).status, 404);
    const own = await make(h, `${b.base}/contacts`, { phoneNumbers: ['+15065550101'] }, keyOfB);
    assert.equal((await h.call('GET', `${b.base}/${lookup}`, { token: keyOfB })).body.result.id, own.id);
    assert.equal((await h.call('GET', `${a.base}/${lookup}`)).body.result.id, contact.id);
    assert.equal((await h.call('GET', `${a.base}/contacts`, { token: null })).status, 401);
  });

  test('deleting an agent clears them as the favourite of their contacts', async () => {
    const t = await createTenant(h);
    const ada = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com' });
    const contact = await make(h, `${t.base}/contacts`, { phoneNumbers: ['+15065550101'], favoriteAgentId: ada.id });
    assert.equal((await h.call('DELETE', `${t.base}/agents/${ada.id}`)).status, 204);
    assert.equal((await h.call('GET', `${t.base}/contacts/${contact.id}`)).body.result.favoriteAgentId, null);
  });
});

describe('favourite-agent routing', () => {
  // The last agent of the interaction's attributes first (seed 001), else the contact's favourite.
  const preferred = {
    preferredAgent: {
      agent:
        "{{ interaction.attributes.?LastCalledAgent_EmployeeID.orValue(contact.favoriteAgentId == null ? '' : contact.favoriteAgentId) }}",
      expiresAfterSeconds: 30,
    },
  };

  async function setup() {
    const t = await createTenant(h, { timeZone: 'UTC' });
    const { queue } = await routedVoiceQueue(h, t.base, { slaMinutes: 10 }, preferred);
    async function agent(name: string, employeeId: string) {
      const created = await make(h, `${t.base}/agents`, {
        name,
        email: `${name.toLowerCase()}@example.com`,
        employeeId,
        queueIds: [queue.id],
      });
      const token = (await make(h, `${t.base}/agents/${created.id}/tokens`, {})).token as string;
      const client = await connectAgent(url, t.id, token);
      clients.push(client);
      await client.next('hello');
      assert.equal((await client.request({ type: 'presence', status: 'available' })).ok, true);
      await client.next('presence');
      return { ...created, client };
    }
    async function call(customer: string, attributes: Json = {}) {
      const response = await h.call('POST', `${t.base}/interactions`, {
        body: { channelType: 'voice', contactPoint: '+18005555565', customer, attributes },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.result;
    }
    return { ...t, agent, call };
  }

  test('a known caller waits 30 s for their favourite agent while that agent is busy, then anyone takes the call', async () => {
    const s = await setup();
    const ada = await s.agent('Ada', 'E1');
    await make(h, `${s.base}/contacts`, { firstName: 'John', phoneNumbers: ['+15065550101'], favoriteAgentId: ada.email });
    // Ada is busy with another caller (a voice call takes her whole capacity).
    const other = await s.call('+15065550999');
    assert.equal((await ada.client.next('offer')).interaction.id, other.id);
    await ada.client.request({ type: 'accept', interactionId: other.id });
    const bob = await s.agent('Bob', 'E2');
    const john = await s.call('+15065550101');
    const stored = (await h.call('GET', `${s.base}/interactions/${john.id}`)).body.result;
    assert.equal(stored.routing.preferredAgent.agent, ada.id);
    assert.equal(stored.routing.preferredAgent.expiresAt, '2026-03-02T10:00:30.000Z');
    assert.equal(await bob.client.quiet('offer'), true, 'Bob waits while Ada is preferred');
    await h.clock.advance(30_000);
    assert.equal((await bob.client.next('offer')).interaction.id, john.id);
  });

  test('the favourite agent, when free, is offered the call even when someone else has been idle longer', async () => {
    const s = await setup();
    const bob = await s.agent('Bob', 'E2');
    await h.clock.advance(1000);
    const ada = await s.agent('Ada', 'E1');
    await make(h, `${s.base}/contacts`, { phoneNumbers: ['+15065550101'], favoriteAgentId: 'E1' });
    const john = await s.call('+15065550101');
    const offer = await ada.client.next('offer');
    assert.equal(offer.interaction.id, john.id);
    assert.equal(await bob.client.quiet('offer'), true);
    // An unknown caller goes by the queue's rule (longest idle: Bob).
    const stranger = await s.call('+15065550777');
    assert.equal((await bob.client.next('offer')).interaction.id, stranger.id);
  });

  test("the interaction's last agent outranks the contact's favourite", async () => {
    const s = await setup();
    const ada = await s.agent('Ada', 'E1');
    const bob = await s.agent('Bob', 'E2');
    await make(h, `${s.base}/contacts`, { phoneNumbers: ['+15065550101'], favoriteAgentId: 'E1' });
    const john = await s.call('+15065550101', { LastCalledAgent_EmployeeID: 'E2' });
    assert.equal((await bob.client.next('offer')).interaction.id, john.id);
    assert.equal(await ada.client.quiet('offer'), true);
  });
});
