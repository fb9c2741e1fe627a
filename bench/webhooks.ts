/**
 * Webhooks: can one subscription keep up with the events a busy tenant makes? Interactions are created
 * over HTTP at a fixed rate against the real `switchboard serve` process (SQLite), offered to agents who
 * accept and end them at once (about eleven events each), while one webhook subscription to a receiver
 * on loopback gets every event. Reported: events made per second, events delivered per second during
 * the load, how far delivery was behind when the load stopped, how long it took to catch up, and the
 * delivery capacity (a new subscription replaying the whole feed with nothing else running). The
 * baseline, in the same run, is the same subscription taking one event per request (maxEventsPerRequest
 * 1: how webhooks were delivered before batches).
 *
 * BENCH_WEBHOOK_RATE=2000 sets the interactions per second (default 2,000), for 5 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import { answeringTenant, api, drive, serveForBench } from './bench-server.js';
import { LoadClient } from './http-load-client.js';
import { fmt, printTable, type Row } from './report.js';

interface Measured {
  made: number;
  delivered: number;
  requests: number;
  behindAtEnd: number;
  catchUpSeconds: number | null;
  /** Events the tenant had when the load stopped. */
  events: number;
  /** Events per second a subscription delivers draining a backlog, with no other traffic. */
  capacity: number;
  /** Interactions created, and how long the creates took (longer than the load's seconds: the server fell behind). */
  created: number;
  createSeconds: number;
}

export async function runWebhooks(rate = Number(process.env.BENCH_WEBHOOK_RATE ?? 2000), seconds = 5): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-webhook-bench-'));
  const token = 'bench-admin-token';
  // The receiver: counts the events and requests of each subscription (by path), answers 204 at once.
  const received = new Map<string, { events: number; requests: number }>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: unknown[] };
      const counts = received.get(request.url ?? '') ?? { events: 0, requests: 0 };
      counts.events += body.events.length;
      counts.requests += 1;
      received.set(request.url ?? '', counts);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  const server = await serveForBench(dir, token);
  const sockets: WebSocket[] = [];
  try {
    const { url } = server;
    /** One tenant, its subscription and agents; the load; what the receiver got. */
    const measure = async (name: string, maxEventsPerRequest: number): Promise<Measured> => {
      const tenant = await answeringTenant(url, token, { name, agents: 10, tenant: { allowPrivateNetworkRequests: true } });
      const { base } = tenant;
      sockets.push(...tenant.sockets);
      const hook = await api(url, token, 'POST', `${base}/webhooks`, { url: `${receiverUrl}/${name}`, maxEventsPerRequest });
      const counts = () => received.get(`/events/${name}`) ?? { events: 0, requests: 0 };
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      // Connections of its own: the server closes kept-alive connections left idle for 65 s.
      const loadClient = new LoadClient(url, 64);
      const started = performance.now();
      let created = 0;
      await drive(rate, seconds, started, async () => {
        const response = await loadClient.request(
          'POST',
          `${base}/interactions`,
          headers,
          JSON.stringify({ channelType: 'work-item' }),
        );
        if (response.status !== 201) throw new Error(`create answered ${response.status}: ${response.body}`);
        created += 1;
      });
      const createSeconds = (performance.now() - started) / 1000;
      loadClient.close();
      // Let the last offers be accepted and ended.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const loadSeconds = (performance.now() - started) / 1000;
      const deliveredDuringLoad = counts().events;
      const made = await countEvents(url, token, base);
      const behindAtEnd = made - deliveredDuringLoad;
      // Catching up, for at most 60 s.
      const catchUpStarted = performance.now();
      while (counts().events < made && performance.now() - catchUpStarted < 60_000) await new Promise((r) => setTimeout(r, 50));
      const catchUpSeconds = counts().events >= made ? (performance.now() - catchUpStarted) / 1000 : null;
      for (const socket of sockets.splice(0)) socket.terminate();
      // Stopped, so that what it still has to deliver does not load the next measurement.
      await api(url, token, 'PUT', `${base}/webhooks/${hook.id}`, { active: false });
      // Capacity: a new subscription replays the tenant's whole feed with nothing else running (at most 30 s).
      const drain = await api(url, token, 'POST', `${base}/webhooks`, {
        url: `${receiverUrl}/${name}-drain`,
        maxEventsPerRequest,
        afterSeq: 0,
      });
      const drained = () => received.get(`/events/${name}-drain`)?.events ?? 0;
      const drainStarted = performance.now();
      while (drained() < made && performance.now() - drainStarted < 30_000) await new Promise((r) => setTimeout(r, 50));
      const capacity = drained() / ((performance.now() - drainStarted) / 1000);
      await api(url, token, 'PUT', `${base}/webhooks/${drain.id}`, { active: false });
      return {
        events: made,
        capacity,
        made: made / loadSeconds,
        delivered: deliveredDuringLoad / loadSeconds,
        requests: counts().requests,
        behindAtEnd,
        catchUpSeconds,
        created,
        createSeconds,
      };
    };
    const single = await measure('one', 1);
    const batched = await measure('batched', 500);
    const input = `${fmt(rate)} interactions/s for ${seconds} s (${fmt(batched.created)} created in ${fmt(batched.createSeconds, 1)} s)`;
    const caughtUp = (m: Measured) => (m.catchUpSeconds === null ? 'not within 60 s' : `${fmt(m.catchUpSeconds, 1)} s`);
    return [
      {
        name: 'events made / delivered per second (one subscription)',
        size: input,
        value: `${fmt(batched.made)} / ${fmt(batched.delivered)}`,
        baseline: `${fmt(single.made)} / ${fmt(single.delivered)} (one event per request)`,
        ratio: `${fmt(batched.delivered / single.delivered, 1)}×`,
      },
      {
        name: 'delivery capacity: events per second draining a backlog',
        size: `the ${fmt(batched.events)} events of that run, nothing else running`,
        value: `${fmt(batched.capacity)}/s`,
        baseline: `${fmt(single.capacity)}/s (one event per request)`,
        ratio: `${fmt(batched.capacity / single.capacity, 1)}×`,
      },
      {
        name: 'behind when the load stopped / time to catch up',
        size: input,
        value: `${fmt(batched.behindAtEnd)} events / ${caughtUp(batched)}`,
        baseline: `${fmt(single.behindAtEnd)} events / ${caughtUp(single)}`,
        ratio: `${fmt(batched.requests)} requests against ${fmt(single.requests)}`,
      },
    ];
  } finally {
    for (const socket of sockets) socket.terminate();
    server.child.kill('SIGKILL');
    receiver.closeAllConnections();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many events the tenant has, by paging through its feed. */
async function countEvents(url: string, token: string, base: string): Promise<number> {
  let count = 0;
  for (let after = 0; ; ) {
    const page = (await (
      await fetch(`${url}${base}/events?after=${after}&limit=1000`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { result: { seq: number }[]; nextCursor: string | null };
    count += page.result.length;
    if (!page.nextCursor || page.result.length === 0) return count;
    after = Number(page.nextCursor);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printTable('Webhooks (bench/webhooks.ts)', await runWebhooks());
}
