import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectAgent } from '../support/agent-client.js';
import { createTenant, make, routedVoiceQueue } from '../support/harness.js';
import { usePostgresHarness } from '../support/postgres-harness.js';

// The router on the production store: offers, rejection, expiry, capacity and wrap-up, with real
// WebSocket clients, on PostgreSQL.

const pg = await usePostgresHarness('sb_router');
const { skip, clients } = pg;

test('offers, rejection, expiry, capacity and wrap-up on PostgreSQL', { skip }, async () => {
  const { h, url } = pg;
  const t = await createTenant(h);
  const { queue } = await routedVoiceQueue(h, t.base, { routing: { offerTimeoutSeconds: 10, wrapUpSeconds: 5 } });
  const connect = async (name: string) => {
    const agent = await make(h, `${t.base}/agents`, { name, email: `${name}@example.com`, queueIds: [queue.id] });
    const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
    const client = await connectAgent(url, t.id, token);
    clients.push(client);
    await client.next('hello');
    await client.request({ type: 'presence', status: 'available' });
    return { ...agent, client };
  };
  const ada = await connect('ada');
  const bob = await connect('bob');
  const call = async (customer: string) =>
    (await h.call('POST', `${t.base}/interactions`, { body: { channelType: 'voice', contactPoint: '+18005555565', customer } }))
      .body.result;

  const first = await call('+15065550001');
  assert.equal((await ada.client.next('offer')).interaction.id, first.id);
  await ada.client.request({ type: 'reject', interactionId: first.id });
  assert.equal((await bob.client.next('offer')).interaction.id, first.id);
  await h.clock.advance(10_000);
  await bob.client.next('offer.expired');
  // Bob went away (not_responding); the call comes back to Ada, who takes it.
  assert.equal((await ada.client.next('offer')).interaction.id, first.id);
  assert.equal((await ada.client.request({ type: 'accept', interactionId: first.id })).ok, true);
  const second = await call('+15065550002');
  assert.equal(await ada.client.quiet('offer'), true, 'Ada is on a call');
  await ada.client.request({ type: 'end', interactionId: first.id });
  await h.clock.advance(5_000);
  assert.equal((await ada.client.next('offer')).interaction.id, second.id);
  const stored = (await h.call('GET', `${t.base}/interactions/${first.id}`)).body.result;
  assert.equal(stored.state, 'completed');
  const types = stored.events.map((e: { type: string }) => e.type);
  assert.deepEqual(
    types.filter((type: string) => type.startsWith('offer.')),
    ['offer.created', 'offer.rejected', 'offer.created', 'offer.expired', 'offer.created', 'offer.accepted'],
  );
});

test('a reader polling the event feed while many writers commit never skips an event', { skip }, async () => {
  const { h } = pg;
  const t = await createTenant(h, { name: 'Feed' });
  const queue = await make(h, `${t.base}/queues`, { name: 'Q' });
  await make(h, `${t.base}/channels`, { name: 'Work', type: 'work-item', defaultQueueId: queue.id });
  const flow = await make(h, `${t.base}/flows`, {
    name: 'Route',
    definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] },
  });
  await make(h, `${t.base}/dispatch-mappings`, { name: 'all', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const seen: number[] = [];
  let after = 0;
  let writing = true;
  const poller = (async () => {
    while (writing || after < (await h.engine.store.latestEventSeq(t.id))) {
      const page = await h.call('GET', `${t.base}/events?after=${after}&limit=1000`);
      for (const event of page.body.result as { seq: number }[]) seen.push(event.seq);
      if (page.body.nextCursor) after = Number(page.body.nextCursor);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await Promise.all(
    Array.from({ length: 8 }, async (_, writer) => {
      for (let i = 0; i < 15; i++) {
        await h.call('POST', `${t.base}/interactions`, { body: { channelType: 'work-item', source: `w${writer}-${i}` } });
      }
    }),
  );
  writing = false;
  await poller;
  const all = (await h.call('GET', `${t.base}/events?limit=1000`)).body.result.map((e: { seq: number }) => e.seq);
  assert.equal(all.length, 8 * 15 * 5);
  assert.deepEqual(seen, all);
});
