import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { seriousViolations } from '../support/axe.js';
import { createTenant, make } from '../support/harness.js';
import { makeCallCenter, rsaKeyPair } from '../support/scv.js';
import { signedIn, skipWithoutChromium, webAppUnderTest } from '../support/web-app.js';

// The admin console in Debian's Chromium: an administrator builds a tenant from nothing in its forms —
// queue, channel, entry point and exception, flow (in YAML, drawn as a graph), dispatch mapping, agent and
// token, user — and a call made over the API then goes where they said; a call center's routing maps.

const skip = skipWithoutChromium;
const app = webAppUnderTest();

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Console' }).getByRole('button', { name, exact: true }).click();

/** Saves the open form; answers the new item's id, read off the list. */
async function saveAndReadId(page: Page, shownAs: string): Promise<string> {
  await page.getByRole('button', { name: 'Save' }).click();
  const row = page.getByRole('row', { name: new RegExp(shownAs) });
  await row.waitFor();
  return (await row.locator('code').first().textContent()) ?? '';
}

test('an administrator builds a tenant from nothing in the console', { skip }, async () => {
  const { h, url, browser } = app;
  const t = await createTenant(h);
  await make(h, `${t.base}/users`, { email: 'admin@acme.com', role: 'admin', password: 'admin has a password' });
  const page = await signedIn(browser, url, 'admin@acme.com', 'admin has a password');
  await page.getByRole('navigation', { name: 'Console' }).waitFor();

  // A queue, in its form: a service level and an escalation step.
  await nav(page, 'Queues');
  await page.getByRole('button', { name: 'New queue' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Support');
  await page.getByLabel('Service level (minutes)').fill('20');
  await page.getByRole('button', { name: 'Add escalation step' }).click();
  await page.getByLabel('After (seconds) (escalation step 1)').fill('90');
  const queueId = await saveAndReadId(page, '^Support');
  // A mistake is shown at its field (marked invalid, the message under it), and nothing is saved.
  await page.getByRole('button', { name: 'New queue' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Broken');
  await page.getByLabel('Service level (minutes)').fill('-5');
  await page.getByRole('button', { name: 'Save' }).click();
  const sla = page.getByLabel('Service level (minutes)');
  await page.locator('[aria-invalid="true"]').first().waitFor();
  assert.equal(await sla.getAttribute('aria-invalid'), 'true');
  const described = (await sla.getAttribute('aria-describedby')) ?? '';
  assert.match((await page.locator(`[id="${described}"]`).textContent()) ?? '', /./, 'the message is under the field');
  await page.getByRole('button', { name: 'Cancel' }).click();
  // Edited in the form: what the form has no control for (the escalation) is kept.
  await page.getByRole('button', { name: 'Edit Support' }).click();
  await page.getByLabel('Service level (minutes)').fill('25');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').getByText('Saved.').waitFor();
  const support = (await h.call('GET', `${t.base}/queues/${queueId}`)).body.result;
  assert.equal(support.slaMinutes, 25);
  assert.deepEqual(support.routing.escalation, [{ afterSeconds: 90, requirements: null }]);

  // A channel whose default queue is chosen by name, and its entry point.
  await nav(page, 'Channels');
  await page.getByRole('button', { name: 'New channel' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Phones');
  await page.getByLabel('Default queue').selectOption({ label: 'Support' });
  const channelId = await saveAndReadId(page, '^Phones');
  await nav(page, 'Entry points');
  await page.getByRole('button', { name: 'New entry point' }).click();
  await page.getByLabel('Channel', { exact: true }).selectOption({ label: 'Phones' });
  await page.getByLabel('Address').fill('(800) 555-5565');
  const entryPointId = await saveAndReadId(page, '\\+18005555565');

  // An entry-point exception of the channel: this number's work goes to another queue.
  const vip = await make(h, `${t.base}/queues`, { name: 'VIP' });
  await nav(page, 'Channels');
  await page.getByRole('button', { name: 'Exceptions of Phones' }).click();
  await page.getByRole('button', { name: 'New entry-point exception' }).click();
  await page.getByLabel('Entry point').selectOption({ label: '+18005555565' });
  await page.getByLabel('Queue', { exact: true }).selectOption({ label: 'VIP' });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('row', { name: new RegExp(vip.id) }).waitFor();
  const settings = (await h.call('GET', `${t.base}/channels/${channelId}/entry-point-settings`)).body.result;
  assert.deepEqual(
    settings.exceptions.map((e: { entryPointId: string; queueId: string }) => [e.entryPointId, e.queueId]),
    [[entryPointId, vip.id]],
  );

  // The flow, in YAML: a mistake is shown at its line, the cursor goes there, then it is corrected.
  await nav(page, 'Flows');
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByLabel('Name').fill('Main');
  const yaml = (queue: string) =>
    [
      'start: greet',
      'steps:',
      '  - id: greet',
      '    type: playPrompt',
      '    text: Thanks for calling.',
      '    exits:',
      '      next: queue',
      '  - id: queue',
      '    type: routeToQueue',
      `    queue: ${queue}`,
      '',
    ].join('\n');
  const editor = page.getByLabel('Definition (YAML)');
  await editor.fill(yaml('Nowhere'));
  await page.getByRole('button', { name: 'Validate' }).click();
  const problem = page.getByRole('alert').getByRole('listitem').filter({ hasText: 'definition/steps/1/queue' });
  await problem.getByRole('button', { name: 'Line 10' }).click();
  // In the page: whether the editor has the focus, and the line of its cursor.
  const caret = await editor.evaluate((area) => {
    const box = area as unknown as { value: string; selectionStart: number; ownerDocument: { activeElement: unknown } };
    return { focused: box.ownerDocument.activeElement === area, line: box.value.slice(0, box.selectionStart).split('\n').length };
  });
  assert.deepEqual(caret, { focused: true, line: 10 });
  await editor.fill(yaml('Support'));
  await page.getByRole('button', { name: 'Create flow' }).click();
  await page.getByText('Flow Main created.').waitFor();
  // The graph draws both steps; a simulation colours the path it took.
  const graph = page.getByRole('img', { name: /steps and their exits/ });
  await graph.locator('[data-step="queue"]').waitFor();
  await page.getByRole('button', { name: 'Simulate' }).click();
  await page.getByRole('list', { name: 'The path of the run' }).getByText('queue', { exact: true }).waitFor();
  await graph.locator('.step.visited[data-step="greet"]').waitFor();
  await graph.locator('.step.visited[data-step="queue"]').waitFor();
  assert.equal(await graph.locator('.edge.taken').count(), 1, 'greet → queue');
  // The same definition as JSON, at a click.
  await page.getByRole('radio', { name: 'JSON' }).check();
  const asJson = JSON.parse(await page.getByLabel('Main: definition (JSON)').inputValue());
  assert.equal(asJson.steps[1].queue, 'Support');

  // The dispatch mapping names the flow by its name.
  await nav(page, 'Dispatch mappings');
  await page.getByRole('button', { name: 'New dispatch mapping' }).click();
  await page.getByLabel('Name', { exact: true }).fill('All inbound');
  await page.getByLabel('Flow', { exact: true }).selectOption({ label: 'Main' });
  await saveAndReadId(page, '^All inbound');

  // An agent: queues ticked, a skill and its level; then a token, shown once.
  await nav(page, 'Agents');
  await page.getByRole('button', { name: 'New agent' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Ana');
  await page.getByLabel('Email', { exact: true }).fill('ana@acme.com');
  await page.getByRole('group', { name: 'Queues' }).getByLabel('Support').check();
  await page.getByRole('button', { name: 'Add skill' }).click();
  await page.getByLabel('Skill 1').fill('spanish');
  await page.getByLabel('Level 1').fill('4');
  const anaId = await saveAndReadId(page, '^Ana');
  const ana = (await h.call('GET', `${t.base}/agents/${anaId}`)).body.result;
  assert.deepEqual([ana.queueIds, ana.attributes.skills], [[queueId], { spanish: 4 }]);
  await page.getByRole('button', { name: 'Tokens of Ana' }).click();
  await page.getByRole('button', { name: 'New token' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  const shown = ((await page.getByText(/Token \(shown once\): /).textContent()) ?? '').replace(/^.*: /, '');
  const tokens = (await h.call('GET', `${t.base}/agents/${anaId}/tokens`)).body.result;
  assert.equal(tokens.length, 1);
  assert.ok(shown.startsWith(tokens[0].prefix), 'the token shown is the one issued');

  // Ana's user comes with an invitation link; following it, she chooses her password and is signed in.
  await nav(page, 'Users');
  await page.getByRole('button', { name: 'New user' }).click();
  await page.getByLabel('Email', { exact: true }).fill('ana@acme.com');
  await page.getByLabel('Agent (for the agent role)').selectOption({ label: 'Ana' });
  await page.getByRole('button', { name: 'Save' }).click();
  const link = ((await page.getByText(/Invitation link: /).textContent()) ?? '').replace(/^.*Invitation link: /, '');
  const invited = await browser.newPage();
  await invited.goto(link);
  await invited.getByLabel('Password', { exact: true }).fill('ana chose this one');
  await invited.getByLabel('Password again').fill('ana chose this one');
  await invited.getByRole('button', { name: 'Set password and sign in' }).click();
  await invited.getByRole('heading', { name: 'Ana' }).waitFor();
  assert.equal(new URL(invited.url()).hash, '', 'the token leaves the address bar');
  await invited.close();
  await nav(page, 'Queues');
  await page.getByRole('button', { name: 'Edit Support' }).click();
  assert.deepEqual(await seriousViolations(page), [], 'the console');
  await page.screenshot({ path: fileURLToPath(new URL('../../docs/screenshots/console.png', import.meta.url)), fullPage: true });
  await nav(page, 'Flows');
  await page.getByRole('button', { name: 'Main' }).click();
  await page.getByRole('button', { name: 'Simulate' }).click();
  await graph.locator('.step.visited[data-step="queue"]').waitFor();
  assert.deepEqual(await seriousViolations(page), [], 'the flow editor');
  await page.screenshot({
    path: fileURLToPath(new URL('../../docs/screenshots/flow-editor.png', import.meta.url)),
    fullPage: true,
  });

  // What the administrator built routes a call.
  const call = await make(h, `${t.base}/interactions`, {
    channelType: 'voice',
    contactPoint: '+18005555565',
    customer: '+15065550999',
  });
  assert.deepEqual([call.state, call.queueId], ['queued', queueId]);
  // And the administrator finds it by its customer, typed as people type numbers, in its queue.
  await make(h, `${t.base}/interactions`, { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550111' });
  await nav(page, 'Interactions');
  await page.getByLabel('Customer').fill('(506) 555-0999');
  await page.getByLabel('Queue', { exact: true }).selectOption({ label: 'Support' });
  await page.getByRole('button', { name: 'Search' }).click();
  const found = page.getByRole('table').getByRole('row');
  // The search is done when the other customer's call has left the list (after the first list showed it).
  await found.filter({ hasText: '+15065550999' }).waitFor();
  await found.filter({ hasText: '+15065550111' }).waitFor({ state: 'detached' });
  assert.equal(await found.count(), 2, 'the heading and the one call');
  await found.filter({ hasText: '+15065550999' }).getByRole('button').click();
  await page.getByRole('article', { name: 'Interaction record' }).getByText('interaction.created').waitFor();
  await page.close();
});

test('a call center and its routing maps, edited in the console', { skip }, async () => {
  const { h, url, browser } = app;
  const t = await createTenant(h);
  await make(h, `${t.base}/users`, { email: 'admin@globex.com', role: 'admin', password: 'admin has a password' });
  const callCenter = await makeCallCenter(h, t, { orgId: '00D000000000001', apiName: 'Connect', keys: rsaKeyPair() });
  await make(h, `${t.base}/agents`, { name: 'Bo', email: 'bo@globex.com' });
  const page = await signedIn(browser, url, 'admin@globex.com', 'admin has a password');
  await nav(page, 'Call centers');
  await page.getByRole('row', { name: /Connect/ }).waitFor();
  await page.getByRole('button', { name: 'Routing maps of Connect' }).click();
  await page.getByRole('button', { name: 'New routing map' }).click();
  await page.getByLabel('Agent or queue').fill('bo@globex.com');
  await page.getByLabel('External id').fill('005000000000001');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('row', { name: /005000000000001/ }).waitFor();
  const maps = (await h.call('GET', `${t.base}/call-centers/${callCenter.id}/routing-maps`)).body.result;
  assert.deepEqual(
    maps.map((m: { referenceType: string; externalId: string }) => [m.referenceType, m.externalId]),
    [['user', '005000000000001']],
  );
  // The whole record as JSON, for what the form has no control for; a mistake there is shown too.
  await page
    .getByRole('button', { name: /^Edit / })
    .last()
    .click();
  await page.getByRole('button', { name: 'Edit as JSON' }).click();
  await page.getByLabel('The record (JSON)').fill('{"referenceType": "team"}');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').getByText('referenceType').waitFor();
  await page.close();
});
