/**
 * End to end: interactions created over HTTP → dispatched, run through a flow, queued, offered over
 * WebSocket → accepted → ended, against the real `switchboard serve` process on SQLite. For fixed
 * arrival rates it reports the create-to-offer latency (request sent → offer received by the agent)
 * and the offers per second; then the highest rate it kept up with and its peak throughput, next to a
 * bare Fastify hello-world served on the same machine in the same run, driven by the same client at
 * full speed.
 *
 * BENCH_RATES=1000,2000 picks the rates; BENCH_PROFILE=dir writes the server's CPU profiles there (one
 * per thread); BENCH_NODE_FLAGS="--trace-gc" passes flags to the server's node, and
 * BENCH_SERVER_LOG=file keeps what the server prints there (the GC trace goes to its standard output).
 * BENCH_LATENCY_LOG=file writes every offer's send time (Unix ms) and latency there, to line slow offers up
 * with what the server did at the time; BENCH_KEEP=1 keeps the server's data directory.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import { answeringTenant, drive, root, serveForBench, spawnServer } from './bench-server.js';
import { LoadClient } from './http-load-client.js';
import { fmt, percentile, printTable, type Row } from './report.js';

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds each thread of the process has used (user + system), from /proc; null where there is
 * none. Less noisy than the saturation rate on a shared machine: what one interaction costs the
 * server, and on which thread.
 */
function cpuSeconds(pid: number | undefined): Map<string, number> | null {
  try {
    const threads = new Map<string, number>();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      threads.set(tid, (Number(fields[11]) + Number(fields[12])) / ticksPerSecond);
    }
    return threads;
  } catch {
    return null;
  }
}

/** µs per interaction: all threads, the main thread, the busiest other thread (the SQLite store's). */
function cpuSplit(pid: number | undefined, before: Map<string, number> | null, after: Map<string, number> | null, count: number) {
  if (!before || !after) return null;
  const used = [...after].map(([tid, seconds]) => [tid, ((seconds - (before.get(tid) ?? 0)) / count) * 1e6] as const);
  const main = used.find(([tid]) => tid === String(pid))?.[1] ?? 0;
  const others = used.filter(([tid]) => tid !== String(pid)).map(([, micros]) => micros);
  const total = used.reduce((sum, [, micros]) => sum + micros, 0);
  return { total, main, store: Math.max(0, ...others) };
}

/**
 * A rate is kept up with when every interaction is offered and the p99 stays under this: a server
 * falling behind builds a queue, and its latencies grow through the run to seconds.
 */
const keptUpP99Ms = 100;

/**
 * Interactions per second during the unmeasured warm-up. At 500/s the first measured run at 1,000/s
 * still had the worst tail of the day (optimised code for the busier paths came during it); warmed up at
 * 1,000/s, the runs that follow no longer differ by position.
 */
const warmUpRate = 1000;

export async function runEndToEnd(rates = [500, 1000, 1500, 2000, 2250, 2500], seconds = 5): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-bench-'));
  const token = 'bench-admin-token';
  const server = await serveForBench(dir, token, [
    ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []),
    ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []),
  ]);
  const sockets: WebSocket[] = [];
  try {
    const { url } = server;
    // Agents who take every offer at once and end it: the router is never short of capacity.
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const latencyLog: string[] = [];
    let lastOfferAt = 0;
    const tenant = await answeringTenant(url, token, {
      name: 'Bench',
      agents: 20,
      onOffer: (interaction) => {
        const sent = sentAt.get(interaction.source);
        if (sent === undefined) return;
        lastOfferAt = performance.now();
        latencies.push(lastOfferAt - sent);
        if (process.env.BENCH_LATENCY_LOG)
          latencyLog.push(`lat ${(performance.timeOrigin + sent).toFixed(1)} ${(lastOfferAt - sent).toFixed(2)}`);
        sentAt.delete(interaction.source);
      },
    });
    const { base } = tenant;
    sockets.push(...tenant.sockets);

    // A lean client (64 connections), so the client takes as little as it can from the cores it shares.
    const loadClient = new LoadClient(url, 64);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const rows: Row[] = [];
    let sequence = 0;
    let sustained = 0;
    let peak = 0;
    const run = async (rate: number) => {
      latencies.length = 0;
      const before = sequence;
      const cpuBefore = cpuSeconds(server.child.pid);
      const clientBefore = process.cpuUsage();
      const started = performance.now();
      await drive(rate, seconds, started, async () => {
        const source = `bench-${++sequence}`;
        sentAt.set(source, performance.now());
        const response = await loadClient.request(
          'POST',
          `${base}/interactions`,
          headers,
          JSON.stringify({ channelType: 'work-item', source }),
        );
        if (response.status !== 201) throw new Error(`create answered ${response.status}: ${response.body}`);
      });
      const sent = sequence - before;
      // Let the last offers arrive.
      for (let i = 0; i < 100 && latencies.length < sent; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      const cpuPerInteraction = cpuSplit(server.child.pid, cpuBefore, cpuSeconds(server.child.pid), sent);
      const client = process.cpuUsage(clientBefore);
      // Offers per second from the first request to the last offer.
      const throughput = latencies.length === 0 ? 0 : latencies.length / ((lastOfferAt - started) / 1000);
      return { throughput, sent, cpuPerInteraction, clientCpu: (client.user + client.system) / sent };
    };
    if (process.env.BENCH_LATENCY_LOG)
      process.on('exit', () => appendFileSync(process.env.BENCH_LATENCY_LOG as string, `${latencyLog.join('\n')}\n`));
    // Warm-up (JIT tiers, statement and configuration caches, the heap's size), not measured.
    await run(warmUpRate);
    for (const rate of rates) {
      const { throughput, sent, cpuPerInteraction, clientCpu } = await run(rate);
      const sorted = [...latencies].sort((a, b) => a - b);
      const p99 = percentile(sorted, 99);
      if (latencies.length === sent && p99 < keptUpP99Ms) sustained = Math.max(sustained, rate);
      peak = Math.max(peak, throughput);
      rows.push({
        name: 'create → offer p50 / p99 (ms)',
        size: `${fmt(rate)}/s for ${seconds} s`,
        value: `${fmt(percentile(sorted, 50), 1)} / ${fmt(p99, 1)}`,
        baseline: '',
        ratio: `${fmt(throughput)}/s offered (${fmt(latencies.length)} of ${fmt(sent)})`,
      });
      if (cpuPerInteraction !== null) {
        rows.push({
          name: 'server CPU per interaction (µs)',
          size: `${fmt(rate)}/s for ${seconds} s`,
          value: fmt(cpuPerInteraction.total),
          baseline: '',
          ratio: `main thread ${fmt(cpuPerInteraction.main)}, store thread ${fmt(cpuPerInteraction.store)}; benchmark client ${fmt(clientCpu)}`,
        });
      }
    }

    // Baseline: the bare Fastify server, same client, as fast as it answers (64 requests in flight).
    loadClient.close();
    const hello = await spawnServer(['--import', 'tsx', join(root, 'bench/hello-server.ts')], {});
    const helloClient = new LoadClient(hello.url, 64);
    let helloRate = 0;
    try {
      const total = 20_000;
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < total) {
            next++;
            await helloClient.request('POST', '/hello', { 'content-type': 'application/json' }, '{"a":1}');
          }
        }),
      );
      helloRate = total / ((performance.now() - t0) / 1000);
    } finally {
      helloClient.close();
      hello.child.kill();
    }
    rows.push({
      name: `highest rate kept up with (all offered, p99 < ${keptUpP99Ms} ms)`,
      size: `rates ${rates.join(', ')}/s`,
      value: `${fmt(sustained)}/s`,
      baseline: `${fmt(helloRate)}/s (bare Fastify hello)`,
      ratio: `${fmt((sustained / helloRate) * 100, 0)} %`,
    });
    rows.push({
      name: 'peak throughput (offers/s, first request to last offer)',
      size: `rates ${rates.join(', ')}/s`,
      value: `${fmt(peak)}/s`,
      baseline: `${fmt(helloRate)}/s (bare Fastify hello)`,
      ratio: `${fmt((peak / helloRate) * 100, 0)} %`,
    });
    return rows;
  } finally {
    for (const socket of sockets) socket.terminate();
    server.child.kill(process.env.BENCH_PROFILE ? 'SIGTERM' : 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, process.env.BENCH_PROFILE ? 2000 : 0));
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rates = process.env.BENCH_RATES ? process.env.BENCH_RATES.split(',').map(Number) : undefined;
  printTable('End to end (bench/end-to-end.ts)', await runEndToEnd(rates));
}
