import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually, type HttpReceiver, sendJson, startHttpReceiver } from '../support/http-receiver.js';

// A tenant that has not been allowed private network requests reaches no internal address through a
// flow's httpRequest or a webhook, however the address is spelt.

let h: Harness;
let target: HttpReceiver;
before(async () => {
  h = await startHarness();
  target = await startHttpReceiver((_request, response) => sendJson(response, 200, { secret: 'internal' }));
});
after(async () => {
  await h.close();
  await target.close();
});

/** The receiver (on 127.0.0.1) through every spelling that reaches loopback. */
function loopbackSpellings(): string[] {
  const port = new URL(target.url).port;
  return [
    `http://127.0.0.1:${port}`,
    `http://localhost:${port}`,
    `http://[::ffff:127.0.0.1]:${port}`,
    `http://[::ffff:7f00:1]:${port}`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${port}`,
    `http://[::ffff:0.0.0.0]:${port}`,
    `http://0.0.0.0:${port}`,
    `http://2130706433:${port}`,
    `http://0x7f.1:${port}`,
  ];
}

test('flow httpRequest steps reach no loopback spelling', async () => {
  const t = await createTenant(h, { name: 'Locked down' });
  const queue = await make(h, `${t.base}/queues`, { name: 'Q' });
  for (const [index, url] of loopbackSpellings().entries()) {
    const flow = await make(h, `${t.base}/flows`, {
      name: `Peek ${index}`,
      definition: {
        start: 'peek',
        steps: [
          {
            id: 'peek',
            type: 'httpRequest',
            method: 'GET',
            url: `${url}/x`,
            responseVariables: { answer: 'response.body' },
            exits: { next: 'q', error: 'q' },
          },
          { id: 'q', type: 'routeToQueue', queue: queue.id },
        ],
      },
    });
    const mapping = await make(h, `${t.base}/dispatch-mappings`, {
      name: `m${index}`,
      interactionField: 'direction',
      value: 'inbound',
      flowId: flow.id,
    });
    const created = (await h.call('POST', `${t.base}/interactions`, { body: { channelType: 'voice' } })).body.result;
    const queued = await eventually(async () => {
      const interaction = (await h.call('GET', `${t.base}/interactions/${created.id}`)).body.result;
      return interaction.state === 'queued' ? interaction : null;
    });
    assert.equal(queued.flowRun.path[0].exit, 'error', url);
    assert.match(queued.flowRun.path[0].error, /internal address/, url);
    assert.equal(JSON.stringify(queued).includes('"internal"'), false, url);
    assert.equal((await h.call('DELETE', `${t.base}/dispatch-mappings/${mapping.id}`)).status, 204);
  }
  assert.equal(target.received.length, 0);
});

test('webhooks reach no loopback spelling', async () => {
  const t = await createTenant(h, { name: 'Hooks' });
  const hooks = [];
  for (const url of loopbackSpellings()) {
    const created = await h.call('POST', `${t.base}/webhooks`, { body: { url: `${url}/hooks` } });
    assert.equal(created.status, 201);
    hooks.push(created.body.result.id);
  }
  await make(h, `${t.base}/queues`, { name: 'An event' });
  await h.call('POST', `${t.base}/interactions`, { body: { channelType: 'voice' } });
  for (const id of hooks) {
    const failed = await eventually(async () => {
      const webhook = (await h.call('GET', `${t.base}/webhooks/${id}`)).body.result;
      return webhook.failures > 0 ? webhook : null;
    });
    assert.match(failed.lastError, /internal address/, failed.url);
  }
  assert.equal(target.received.length, 0);
});
