/** What the benchmarks share: the real server as users run it, the API, and a paced request loop. */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const root = fileURLToPath(new URL('..', import.meta.url));

export async function spawnServer(args: string[], env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    let listening = false;
    child.stdout?.on('data', (chunk) => {
      if (process.env.BENCH_SERVER_LOG) appendFileSync(process.env.BENCH_SERVER_LOG, chunk);
      // Only the start is looked at: a GC trace can print megabytes after it.
      if (listening) return;
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        listening = true;
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  return { url, child };
}

export async function api(url: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as { result: Record<string, unknown> & { id: string; token?: string } };
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json.result;
}

export /** Fires `rate` requests per second for `seconds`, starting at `started`; returns when all have answered. */
async function drive(rate: number, seconds: number, started: number, send: (i: number) => Promise<unknown>): Promise<void> {
  const total = Math.round(rate * seconds);
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send(i).catch(() => undefined));
  }
  await Promise.all(pending);
}

export /** The node flags `npm start` serves with (the heap's size, docs/architecture.md): the server measured is the one users run. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(' ').filter((word) => word.startsWith('--'));
}

/**
 * A tenant whose work items all go, through a catch-all mapping and a one-step flow, to one queue
 * without wrap-up; and `agents` agents on WebSockets who accept and end every offer at once (after
 * `onOffer` has seen it). Returns the tenant's base path and the sockets, to close.
 */
export async function answeringTenant(
  url: string,
  token: string,
  options: {
    name: string;
    agents: number;
    tenant?: Record<string, unknown>;
    onOffer?: (interaction: { id: string; source: string }) => void;
  },
): Promise<{ base: string; sockets: WebSocket[] }> {
  const tenant = await api(url, token, 'POST', '/v1/tenants', { name: options.name, ...options.tenant });
  const base = `/v1/tenants/${tenant.id}`;
  const queue = await api(url, token, 'POST', `${base}/queues`, { name: 'Work', routing: { wrapUpSeconds: 0 } });
  await api(url, token, 'POST', `${base}/channels`, { name: 'Work items', type: 'work-item', defaultQueueId: queue.id });
  const flow = await api(url, token, 'POST', `${base}/flows`, {
    name: 'Route',
    definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] },
  });
  await api(url, token, 'POST', `${base}/dispatch-mappings`, {
    name: 'all',
    interactionField: 'direction',
    value: 'inbound',
    flowId: flow.id,
  });
  const sockets: WebSocket[] = [];
  for (let a = 0; a < options.agents; a++) {
    const agent = await api(url, token, 'POST', `${base}/agents`, {
      name: `Agent ${a}`,
      email: `agent${a}@example.com`,
      queueIds: [queue.id],
      capacity: { 'work-item': 100 },
    });
    const agentToken = (await api(url, token, 'POST', `${base}/agents/${agent.id}/tokens`, {})).token as string;
    const socket = new WebSocket(`${url.replace('http', 'ws')}${base}/agents/ws?access_token=${agentToken}`);
    sockets.push(socket);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'hello') socket.send(JSON.stringify({ type: 'presence', status: 'available' }));
      if (message.type !== 'offer') return;
      options.onOffer?.(message.interaction);
      socket.send(JSON.stringify({ type: 'accept', interactionId: message.interaction.id }));
      socket.send(JSON.stringify({ type: 'end', interactionId: message.interaction.id }));
    });
    await new Promise((resolve) => socket.once('open', resolve));
  }
  // Their presence is set once the greeting has come.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { base, sockets };
}

/**
 * `switchboard serve` on loopback with the node flags of `npm start` (and any given), SQLite in
 * `dataDir`, the admin token given, and only errors logged.
 */
export function serveForBench(dataDir: string, adminToken: string, nodeFlags: string[] = []) {
  return spawnServer([...startFlags(), ...nodeFlags, join(root, 'bin/switchboard.mjs'), 'serve'], {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
  });
}
