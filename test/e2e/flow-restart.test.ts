import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually } from '../support/http-receiver.js';
import { request, type ServerProcess, startServer } from '../support/server-process.js';

// Runs that wait for input or for a timer survive a crash of the real server process.

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-flow-restart-'));
const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: 'restart-admin' };
const token = 'restart-admin';
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('kill -9 mid-flow: a run waiting for input takes the input after the restart; a wait that expired meanwhile times out at start', async () => {
  server = await startServer(env);
  const tenant = (await request(server, token, 'POST', '/v1/tenants', { name: 'Acme', defaultCountry: 'US' })).body.result;
  const base = `/v1/tenants/${tenant.id}`;
  const queue = (await request(server, token, 'POST', `${base}/queues`, { name: 'Support' })).body.result;
  const phones = (
    await request(server, token, 'POST', `${base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: queue.id })
  ).body.result;
  await request(server, token, 'POST', `${base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  // The same menu twice: a 2 s input timeout (to expire while the server is down) and a 10 min one
  // (to still be waiting after any restart, however slow the machine).
  const menu = (timeoutSeconds: number) => ({
    start: 'menu',
    steps: [
      {
        id: 'menu',
        type: 'collectInput',
        prompt: 'Press 1.',
        inputType: 'digits',
        timeoutSeconds,
        retries: 0,
        exits: { next: 'queue', timeout: 'vm' },
      },
      { id: 'queue', type: 'routeToQueue' },
      { id: 'vm', type: 'voicemail', notificationEmail: 'support@example.com' },
    ],
  });
  for (const [name, timeoutSeconds, mapping] of [
    ['Short', 2, { interactionField: 'customer', value: '+15065550002' }],
    ['Long', 600, { interactionField: 'customer', value: '+15065550600' }],
  ] as const) {
    const flow = await request(server, token, 'POST', `${base}/flows`, { name, definition: menu(timeoutSeconds) });
    assert.equal(flow.status, 201, JSON.stringify(flow.body));
    await request(server, token, 'POST', `${base}/dispatch-mappings`, { name, ...mapping, flowId: flow.body.result.id });
  }
  const arrive = async (customer: string) =>
    (
      await request(server as ServerProcess, token, 'POST', `${base}/interactions`, {
        channelType: 'voice',
        contactPoint: '+18005555565',
        customer,
      })
    ).body.result;
  const stateOf = async (id: string) =>
    (await request(server as ServerProcess, token, 'GET', `${base}/interactions/${id}`)).body.result;

  const expired = await arrive('+15065550002');
  const waiting = await arrive('+15065550600');
  assert.equal(expired.flowRun.waiting.kind, 'input');
  await server.stop('SIGKILL');
  // Longer than the 2 s input timeout passes while the server is down.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  server = await startServer(env);
  assert.match(server.output(), /Re-armed 2 timers/);

  // The expired wait fires as soon as the timers are re-armed…
  const timedOut = await eventually(async () => {
    const interaction = await stateOf(expired.id);
    return interaction.state === 'voicemail' ? interaction : null;
  });
  assert.deepEqual(
    timedOut.flowRun.path.map((p: { stepId: string; exit: string }) => `${p.stepId}:${p.exit}`),
    ['menu:timeout', 'vm:voicemail'],
  );
  // A run that is still waiting when the server is back takes its input, after a second kill -9 too.
  await server.stop('SIGKILL');
  server = await startServer(env);
  const input = await request(server, token, 'POST', `${base}/interactions/${waiting.id}/inputs`, { value: '1' });
  assert.equal(input.status, 200, JSON.stringify(input.body));
  assert.equal(input.body.result.state, 'queued');
  assert.equal(input.body.result.queueId, queue.id);
});
