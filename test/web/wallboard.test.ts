import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seriousViolations } from '../support/axe.js';
import { createTenant, make, routedVoiceQueue } from '../support/harness.js';
import { signedIn, skipWithoutChromium, webAppUnderTest } from '../support/web-app.js';

// The supervisor wallboard in Debian's Chromium: the figures change live as work arrives and is taken,
// with why waiting work waits; a supervisor cannot change anything, and another tenant's ids are refused.

const skip = skipWithoutChromium;
const app = webAppUnderTest();

test('a supervisor watches a queue fill and empty live, and why its work waits', { skip }, async () => {
  const { h, url, browser } = app;
  const t = await createTenant(h);
  const { queue } = await routedVoiceQueue(h, t.base, {});
  const agent = await make(h, `${t.base}/agents`, { name: 'Cy Ortiz', email: 'cy@acme.com', queueIds: [queue.id] });
  await make(h, `${t.base}/users`, { email: 'sue@acme.com', role: 'supervisor', password: 'sue has a password' });

  const page = await signedIn(browser, url, 'sue@acme.com', 'sue has a password');
  await page.getByRole('heading', { name: 'Wallboard' }).waitFor();
  await page.getByRole('status').getByText('Live').waitFor();
  const waitingCell = page.getByRole('row', { name: /^Support/ }).locator('[data-figure="waiting"]');
  await waitingCell.getByText('0').waitFor();

  // A call arrives with nobody available: the figure moves, and the wallboard says why it waits.
  await make(h, `${t.base}/interactions`, { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550777' });
  // Pushes are folded into one a second: this server's clock is the test's.
  await h.clock.advance(1000);
  await waitingCell.getByText('1').waitFor();
  await page.getByText('voice from +15065550777: No agent of the queue is available.').waitFor();
  assert.deepEqual(await seriousViolations(page), [], 'the wallboard');
  await page.screenshot({
    path: fileURLToPath(new URL('../../docs/screenshots/wallboard.png', import.meta.url)),
    fullPage: true,
  });

  // The agent comes online and is offered the call: the queue empties, the agent holds one.
  await h.call('PUT', `${t.base}/agents/${agent.id}/presence`, { body: { status: 'available' } });
  await h.clock.advance(1000);
  await waitingCell.getByText('0').waitFor();
  await page.getByRole('row', { name: /^Cy Ortiz available 1$/ }).waitFor();
  await page.getByText('Nothing is waiting.').waitFor();

  // The supervisor's session reads only, and only its own tenant.
  const other = await createTenant(h);
  const answers = await page.evaluate(
    async ([own, foreign]) => {
      const session = (await (await fetch('/auth/session')).json()) as { result: { csrfToken: string } };
      const change = await fetch(`${own}/queues`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.result.csrfToken },
        body: JSON.stringify({ name: 'Nope' }),
      });
      const elsewhere = await fetch(`${foreign}/queues`);
      return [change.status, elsewhere.status];
    },
    [t.base, other.base],
  );
  assert.deepEqual(answers, [403, 404]);
  await page.close();
});
