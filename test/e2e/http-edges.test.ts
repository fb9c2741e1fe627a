import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectAgent } from '../support/agent-client.js';
import { type Harness, startHarness } from '../support/harness.js';
import { request, startServer } from '../support/server-process.js';

// What Node's HTTP parser refuses before any route runs is answered in the API's error shape; slow
// clients are cut off; the root leads to the web UI; readiness is reported; credentials stay out of logs.

let h: Harness;
let url: string;
before(async () => {
  h = await startHarness();
  url = await h.listen();
});
after(() => h.close());

/** Sends raw bytes on a new connection and collects everything until the server closes it (bounded). */
function raw(write: (socket: import('node:net').Socket) => void, limitMs = 25_000): Promise<{ text: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, limitMs);
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on('error', () => undefined);
    socket.on('connect', () => write(socket));
  });
}

function errorOf(text: string): { status: number; code: string } {
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]);
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
  return { status, code: body.errors[0].code };
}

test('headers over 16 KiB answer 431 HEADERS_TOO_LARGE and garbage 400 MALFORMED_REQUEST, in the error shape', async () => {
  const big = await raw((socket) => socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`));
  assert.deepEqual(errorOf(big.text), { status: 431, code: 'HEADERS_TOO_LARGE' });
  const garbage = await raw((socket) => socket.write('NOT HTTP AT ALL\r\n\r\n'));
  assert.deepEqual(errorOf(garbage.text), { status: 400, code: 'MALFORMED_REQUEST' });
});

test('an overlong id answers 414 URL_TOO_LONG and an undecodable URL 400 MALFORMED_URL, in the error shape', async () => {
  const long = await fetch(`${url}/v1/tenants/${'x'.repeat(5000)}/queues`);
  assert.equal(long.status, 414);
  assert.equal(((await long.json()) as { errors: { code: string }[] }).errors[0]?.code, 'URL_TOO_LONG');
  const bad = await fetch(`${url}/v1/tenants/%zz/queues`);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { errors: { code: string }[] }).errors[0]?.code, 'MALFORMED_URL');
});

test('a client trickling its headers is answered 408 REQUEST_TIMEOUT and disconnected', async () => {
  let timer: NodeJS.Timeout | undefined;
  const slow = await raw((socket) => {
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // One header byte a second, never finishing (the server's header time-out is 10 s).
    timer = setInterval(() => socket.writable && socket.write('X'), 1000);
  });
  clearInterval(timer);
  assert.equal(slow.closed, true, 'the server closed the connection');
  assert.deepEqual(errorOf(slow.text), { status: 408, code: 'REQUEST_TIMEOUT' });
});

test('GET / leads to the web UI; /readyz reports the store ready, without credentials', async () => {
  const root = await fetch(`${url}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/app/');
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', store: 'sqlite' });
});

test('an agent token given as access_token is not written to the log', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-log-'));
  const admin = 'sba_log-test-admin';
  const server = await startServer({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: admin, LOG_LEVEL: 'info' });
  try {
    const tenant = (await request(server, admin, 'POST', '/v1/tenants', { name: 'Logs' })).body.result.id;
    const agent = (await request(server, admin, 'POST', `/v1/tenants/${tenant}/agents`, { name: 'A', email: 'a@example.com' }))
      .body.result;
    const token = (await request(server, admin, 'POST', `/v1/tenants/${tenant}/agents/${agent.id}/tokens`, {})).body.result.token;
    const client = await connectAgent(server.url, tenant, token);
    await client.next('hello');
    await client.close();
    assert.match(server.output(), /access_token=\[redacted\]/);
    assert.equal(server.output().includes(token), false);
    assert.equal(server.output().includes(admin), false);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
