/**
 * `npm run bench` runs every benchmark; `npm run bench -- routing` (or `recovery`, `e2e`, `webhooks`, `messaging`, `cluster`) runs one.
 * Each prints its figures next to a baseline measured in the same run.
 */
import { runCluster } from './cluster.js';
import { runEndToEnd } from './end-to-end.js';
import { runMessaging } from './messaging.js';
import { runRecovery } from './recovery.js';
import { printTable } from './report.js';
import { runRoutingDecisions } from './routing-decisions.js';
import { runWebhooks } from './webhooks.js';

const benchmarks: Record<string, { title: string; run: () => Promise<ReturnType<typeof runRoutingDecisions>> }> = {
  routing: { title: 'Routing decisions (bench/routing-decisions.ts)', run: async () => runRoutingDecisions() },
  recovery: { title: 'Recovery after a restart (bench/recovery.ts)', run: () => runRecovery() },
  e2e: { title: 'End to end over HTTP and WebSocket (bench/end-to-end.ts)', run: () => runEndToEnd() },
  webhooks: { title: 'Webhooks: one subscription under load (bench/webhooks.ts)', run: () => runWebhooks() },
  messaging: { title: 'Messaging: a chat message each way (bench/messaging.ts)', run: () => runMessaging() },
  cluster: { title: 'A cluster of three nodes on PostgreSQL (bench/cluster.ts)', run: () => runCluster() },
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benchmarks).join(', ')}.`);
  process.exit(2);
}
console.log(`Node ${process.version}, ${new Date().toISOString()}`);
for (const name of wanted.length > 0 ? wanted : Object.keys(benchmarks)) {
  const benchmark = benchmarks[name];
  if (benchmark) printTable(benchmark.title, await benchmark.run());
}
