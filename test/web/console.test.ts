import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { seriousViolations } from '../support/axe.js';
import { createTenant, make } from '../support/harness.js';
import { signedIn, skipWithoutChromium, webAppUnderTest } from '../support/web-app.js';

// The admin console in Debian's Chromium: an administrator builds a tenant from nothing — queue, channel,
// entry point, flow, dispatch mapping, agent — and a call made over the API then goes where they said.

const skip = skipWithoutChromium;
const app = webAppUnderTest();

/** Creates one object on a console page through its JSON editor; answers its id, read off the list. */
async function create(page: Page, nav: string, body: unknown, shownAs: string): Promise<string> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('button', { name: nav, exact: true }).click();
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await page.getByLabel(/\(JSON\)/).fill(JSON.stringify(body));
  await page.getByRole('button', { name: 'Save' }).click();
  const row = page.getByRole('row', { name: new RegExp(shownAs) });
  await row.waitFor();
  return (await row.locator('code').textContent()) ?? '';
}

test('an administrator builds a tenant from nothing in the console', { skip }, async () => {
  const { h, url, browser } = app;
  const t = await createTenant(h);
  await make(h, `${t.base}/users`, { email: 'admin@acme.com', role: 'admin', password: 'admin has a password' });
  const page = await signedIn(browser, url, 'admin@acme.com', 'admin has a password');
  await page.getByRole('navigation', { name: 'Console' }).waitFor();

  const queueId = await create(page, 'Queues', { name: 'Support', slaMinutes: 20 }, '^Support');
  // A mistake is shown at its field, and nothing is saved.
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await page.getByLabel(/\(JSON\)/).fill(JSON.stringify({ name: 'Broken', slaMinutes: -5 }));
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').getByText('slaMinutes').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();

  const channelId = await create(page, 'Channels', { name: 'Phones', type: 'voice', defaultQueueId: queueId }, '^Phones');
  await create(page, 'Entry points', { channelId, address: '(800) 555-5565' }, '\\+18005555565');

  // The flow: a definition with a mistake is refused at its path, then corrected and created.
  await page.getByRole('navigation', { name: 'Console' }).getByRole('button', { name: 'Flows', exact: true }).click();
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByLabel('Name').fill('Main');
  const steps = [
    { id: 'greet', type: 'playPrompt', text: 'Thanks for calling.', exits: { next: 'queue' } },
    { id: 'queue', type: 'routeToQueue', queue: 'Nowhere' },
  ];
  await page.getByLabel(/Definition \(JSON\)/).fill(JSON.stringify({ start: 'greet', steps }));
  await page.getByRole('button', { name: 'Validate' }).click();
  await page.getByRole('alert').getByText('definition/steps/1/queue').waitFor();
  steps[1] = { id: 'queue', type: 'routeToQueue', queue: 'Support' };
  await page.getByLabel(/Definition \(JSON\)/).fill(JSON.stringify({ start: 'greet', steps }));
  await page.getByRole('button', { name: 'Create flow' }).click();
  await page.getByText('Flow Main created.').waitFor();
  await page.getByRole('button', { name: 'Simulate' }).click();
  await page.getByRole('list', { name: 'The path of the run' }).getByText('queue', { exact: true }).waitFor();
  const flows = (await h.call('GET', `${t.base}/flows`)).body.result;
  const flowId = flows[0].id as string;

  await create(
    page,
    'Dispatch mappings',
    { name: 'All inbound', interactionField: 'direction', value: 'inbound', flowId },
    '^All inbound',
  );
  const anaId = await create(page, 'Agents', { name: 'Ana', email: 'ana@acme.com', queueIds: [queueId] }, '^Ana');
  // Ana's user comes with an invitation link; following it, she chooses her password and is signed in.
  await create(page, 'Users', { email: 'ana@acme.com', role: 'agent', agentId: anaId }, 'ana@acme.com');
  const link = ((await page.getByText(/Invitation link: /).textContent()) ?? '').replace(/^.*Invitation link: /, '');
  const invited = await browser.newPage();
  await invited.goto(link);
  await invited.getByLabel('Password', { exact: true }).fill('ana chose this one');
  await invited.getByLabel('Password again').fill('ana chose this one');
  await invited.getByRole('button', { name: 'Set password and sign in' }).click();
  await invited.getByRole('heading', { name: 'Ana' }).waitFor();
  assert.equal(new URL(invited.url()).hash, '', 'the token leaves the address bar');
  await invited.close();
  assert.deepEqual(await seriousViolations(page), [], 'the console');
  await page.screenshot({ path: fileURLToPath(new URL('../../docs/screenshots/console.png', import.meta.url)), fullPage: true });

  // What the administrator built routes a call.
  const call = await make(h, `${t.base}/interactions`, {
    channelType: 'voice',
    contactPoint: '+18005555565',
    customer: '+15065550999',
  });
  assert.deepEqual([call.state, call.queueId], ['queued', queueId]);
  await page.close();
});
