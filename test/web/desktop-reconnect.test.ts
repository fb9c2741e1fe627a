import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { freePort } from '../support/readme.js';
import { request, type ServerProcess, startServer } from '../support/server-process.js';
import { skipWithoutChromium } from '../support/web-app.js';

// The agent desktop across a kill -9 of the real server: the page says it is reconnecting, reconnects by
// itself when the server is back, and the offer made before the crash is still there to accept.

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-desktop-reconnect-'));
const token = 'reconnect-admin';
let server: ServerProcess | null = null;
let browser: Browser | null = null;
after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the desktop reconnects after a server crash and the offer is still there', { skip: skipWithoutChromium }, async () => {
  // A fixed port: the page reconnects to where it was.
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: token, PORT: String(await freePort()) };
  server = await startServer(env);
  const call = (method: string, path: string, body?: unknown) => request(server as ServerProcess, token, method, path, body);
  const tenant = (await call('POST', '/v1/tenants', { name: 'Reconnect', defaultCountry: 'US' })).body.result;
  const base = `/v1/tenants/${tenant.id}`;
  const queue = (await call('POST', `${base}/queues`, { name: 'Support', routing: { offerTimeoutSeconds: 600 } })).body.result;
  const phones = (await call('POST', `${base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: queue.id })).body
    .result;
  await call('POST', `${base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  const flow = (
    await call('POST', `${base}/flows`, { name: 'Q', definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] } })
  ).body.result;
  await call('POST', `${base}/dispatch-mappings`, {
    name: 'in',
    interactionField: 'direction',
    value: 'inbound',
    flowId: flow.id,
  });
  const agent = (await call('POST', `${base}/agents`, { name: 'Dee', email: 'dee@acme.com', queueIds: [queue.id] })).body.result;
  await call('POST', `${base}/users`, {
    email: 'dee@acme.com',
    role: 'agent',
    agentId: agent.id,
    password: 'dee has a password',
  });

  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${server.url}/app/`);
  await page.getByLabel('Email').fill('dee@acme.com');
  await page.getByLabel('Password').fill('dee has a password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').getByText('Connected').waitFor();
  await page.getByLabel('Presence').selectOption('available');
  const made = await call('POST', `${base}/interactions`, {
    channelType: 'voice',
    contactPoint: '+18005555565',
    customer: '+15065550444',
  });
  assert.equal(made.status, 201);
  await page.getByText('Call from +15065550444').waitFor();

  await server.stop('SIGKILL');
  await page.getByRole('status').getByText('Reconnecting…').waitFor();
  server = await startServer(env);
  await page.getByRole('status').getByText('Connected').waitFor({ timeout: 30_000 });
  await page.getByText('Call from +15065550444').waitFor();
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.card').getByText('Connected', { exact: true }).waitFor();
  assert.equal((await call('GET', `${base}/interactions/${made.body.result.id}`)).body.result.state, 'connected');
});
