import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createTenant, make } from '../support/harness.js';
import { skipWithoutChromium, webAppUnderTest } from '../support/web-app.js';

// Cross-site request forgery, driven from a real browser: an administrator is signed in to Switchboard,
// and in the same browser opens a page of another origin (another port of the same host — same-site, so
// the SameSite=Strict cookie does go along; the Origin check and the CSRF token are what must hold). The
// page tries every way a browser lets it reach Switchboard with the administrator's cookie.

const skip = skipWithoutChromium;
const app = webAppUnderTest();

let hostile: Server;
let hostileUrl = '';
/** What the hostile page is to attack, set per test: the Switchboard origin and the tenant's base path. */
const target = { origin: '', base: '' };

before(async () => {
  hostile = createServer((request, response) => {
    if (request.url === '/form') {
      // A form that posts itself on load: the classic forgery (text/plain dressed up as JSON).
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><form method="POST" enctype="text/plain" action="${target.origin}${target.base}/queues">
        <input name='{"name":"Forged by a form","x":"' value='"}'></form>
        <script>document.forms[0].submit()</script>`);
      return;
    }
    response.setHeader('content-type', 'text/html');
    response.end('<!doctype html><title>Totally harmless</title><p>Nothing to see.</p>');
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => hostile.close(() => resolve())));

test('a page of another origin can neither change nor read anything with the signed-in cookie', { skip }, async () => {
  const { h, url, browser } = app;
  const t = await createTenant(h);
  target.origin = url;
  target.base = t.base;
  await make(h, `${t.base}/users`, { email: 'admin@initech.com', role: 'admin', password: 'admin has a password' });
  // One browser context: the hostile pages share the administrator's cookie jar.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/app/`);
  await page.getByLabel('Email').fill('admin@initech.com');
  await page.getByLabel('Password').fill('admin has a password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();

  // 1. The self-posting form: the browser sends the cookie and an Origin of the other site; refused.
  const forged = await context.newPage();
  const answered = forged.waitForResponse((response) => response.url().endsWith(`${t.base}/queues`));
  await forged.goto(`${hostileUrl}/form`);
  const answer = await answered;
  assert.equal(answer.status(), 403);
  assert.equal((await answer.json()).errors[0].code, 'CSRF_TOKEN_MISMATCH');

  // 2. Scripts of the other origin: a change without CORS (sent blind, no-cors), a change with a JSON
  //    body (needs a preflight, which Switchboard does not grant), a read of the session (to steal its
  //    CSRF token), and the supervisors' WebSocket (whose upgrade carries the cookie too).
  const evil = await context.newPage();
  await evil.goto(`${hostileUrl}/`);
  // Plain JavaScript, as the hostile site would serve it (a string: the test's compiler adds helpers to functions).
  const outcomes = await evil.evaluate(`(async () => {
    const origin = ${JSON.stringify(url)};
    const base = ${JSON.stringify(t.base)};
    async function attempt(run) {
      try {
        return await run();
      } catch (error) {
        return 'refused: ' + error.name;
      }
    }
    const blind = await attempt(async () => {
      const response = await fetch(origin + base + '/queues', {
        method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'Forged blind' }),
      });
      return 'opaque ' + response.type;
    });
    const withJson = await attempt(async () => {
      const response = await fetch(origin + base + '/queues', {
        method: 'POST', credentials: 'include',
        headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Forged with JSON' }),
      });
      return 'status ' + response.status;
    });
    const read = await attempt(async () => {
      const response = await fetch(origin + '/auth/session', { credentials: 'include' });
      return 'read ' + (await response.text());
    });
    const socket = await new Promise((resolve) => {
      const ws = new WebSocket(origin.replace('http', 'ws') + base + '/supervisors/ws');
      ws.onmessage = () => resolve('greeted');
      ws.onerror = () => resolve('refused');
      ws.onclose = () => resolve('refused');
    });
    return { blind, withJson, read, socket };
  })()`);
  assert.deepEqual(outcomes, {
    blind: 'opaque opaque',
    withJson: 'refused: TypeError',
    read: 'refused: TypeError',
    socket: 'refused',
  });

  // Nothing was made, and the administrator's own page still works (the session was not disturbed).
  const queues = (await h.call('GET', `${t.base}/queues`)).body.result;
  assert.deepEqual(queues, []);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('button', { name: 'Queues', exact: true }).click();
  await page.getByRole('button', { name: 'New queue' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Made by the admin');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('row', { name: /Made by the admin/ }).waitFor();
  assert.deepEqual(
    (await h.call('GET', `${t.base}/queues`)).body.result.map((q: { name: string }) => q.name),
    ['Made by the admin'],
  );
  await context.close();
});
