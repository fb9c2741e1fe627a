import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seriousViolations } from '../support/axe.js';
import { createTenant, make, routedVoiceQueue } from '../support/harness.js';
import { eventually } from '../support/http-receiver.js';
import { skipWithoutChromium, webAppUnderTest } from '../support/web-app.js';

// The agent desktop in Debian's Chromium against a real server: an agent signs in with a password, goes
// available, takes an offer made over the API, ends and completes it; no serious accessibility violations.

const skip = skipWithoutChromium;
const screenshots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const app = webAppUnderTest();

test('an agent signs in, goes available, accepts an offer, ends and completes it', { skip }, async () => {
  const { h, url, browser } = app;
  const t = await createTenant(h);
  const { queue } = await routedVoiceQueue(h, t.base, { routing: { wrapUpSeconds: 60, offerTimeoutSeconds: 120 } });
  const ana = await make(h, `${t.base}/agents`, { name: 'Ana Lima', email: 'ana@acme.com', queueIds: [queue.id] });
  await make(h, `${t.base}/contacts`, {
    firstName: 'Maria',
    lastName: 'Lopez',
    phoneNumbers: ['+15065550123'],
    attributes: { tier: 'gold' },
  });
  await make(h, `${t.base}/users`, { email: 'ana@acme.com', role: 'agent', agentId: ana.id, password: 'ana has a password' });

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/`);
  assert.equal(new URL(page.url()).pathname, '/app/');
  assert.deepEqual(await seriousViolations(page), [], 'the sign-in page');

  await page.getByLabel('Email').fill('ana@acme.com');
  await page.getByLabel('Password').fill('not her password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(await page.getByRole('alert').textContent(), 'The email or the password is wrong.');
  await page.getByLabel('Password').fill('ana has a password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Ana Lima' }).waitFor();
  const [cookie] = await context.cookies();
  assert.deepEqual([cookie?.name, cookie?.httpOnly, cookie?.sameSite], ['sb_session', true, 'Strict']);
  assert.equal(await page.evaluate('document.cookie'), '', 'no script reads the session');

  await page.getByRole('status').getByText('Connected').waitFor();
  await page.getByLabel('Presence').selectOption('available');
  await eventually(async () => (await h.call('GET', `${t.base}/agents/${ana.id}`)).body.result.presence.status === 'available');

  const call = await make(h, `${t.base}/interactions`, {
    channelType: 'voice',
    contactPoint: '+18005555565',
    customer: '+15065550123',
  });
  await page.getByText('Call from +15065550123').waitFor();
  // The countdown starts at the queue's 120 s and runs by the page's own clock.
  const left = Number((await page.getByText(/seconds left to answer/).textContent())?.split(' ')[0]);
  assert.ok(left > 100 && left <= 120, `${left} seconds left`);
  assert.match(await page.title(), /^\(1\) New offer/);
  assert.deepEqual(await seriousViolations(page), [], 'the desktop with an offer');
  await page.screenshot({ path: `${screenshots}agent-desktop.png` });

  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.card').getByText('Connected', { exact: true }).waitFor();
  assert.equal((await h.call('GET', `${t.base}/interactions/${call.id}`)).body.result.state, 'connected');
  // Accepted, the work opens: why it came here, from the mapping to the router's choice.
  const trail = page.locator('.trail');
  await trail.getByText('Dispatch').waitFor();
  assert.match((await trail.textContent()) ?? '', /Chosen/);
  await page.getByRole('button', { name: 'End', exact: true }).click();
  await page.getByRole('heading', { name: 'Wrap-up' }).waitFor();
  await page.getByLabel('Disposition').selectOption('Resolved');
  await page.getByLabel('Notes').fill('Parcel re-sent.');
  assert.deepEqual(await seriousViolations(page), [], 'the desktop in wrap-up');
  await page.getByRole('button', { name: 'Complete' }).click();
  await page.getByText('Nothing in hand.').waitFor();
  const done = (await h.call('GET', `${t.base}/interactions/${call.id}`)).body.result;
  assert.equal(done.state, 'completed');
  assert.deepEqual([done.wrapUp.disposition, done.wrapUp.notes, done.wrapUp.agentId], ['Resolved', 'Parcel re-sent.', ana.id]);

  // She calls again: the desktop shows who she is and how her last call ended.
  await make(h, `${t.base}/interactions`, { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550123' });
  await page.getByRole('button', { name: 'Accept' }).click();
  const customer = page.getByRole('region', { name: 'Customer' });
  await customer.getByText('Maria Lopez').waitFor();
  assert.match((await customer.textContent()) ?? '', /tier\s*gold/);
  const earlier = customer.getByRole('row').filter({ hasText: 'Parcel re-sent.' });
  assert.match((await earlier.textContent()) ?? '', /Resolved/);
  assert.deepEqual(await seriousViolations(page), [], 'the desktop with a customer record');
  await page.screenshot({ path: `${screenshots}agent-customer.png` });
  await page.getByRole('button', { name: 'End', exact: true }).click();
  await page.getByRole('button', { name: 'Complete' }).click();
  await page.getByText('Nothing in hand.').waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await context.close();
});
