import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readmeBlock, runQuickStart } from '../support/readme.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-readme-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the README quick start runs verbatim against a real server and routes both calls as it says', async () => {
  // As a new user would: the server keeps its data under ./data of the folder it runs in.
  server = await startServer({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
  const lines = await runQuickStart(dir, server.url);
  const [first, second, third, waiting] = lines.map((line) => JSON.parse(line));
  assert.equal(first.queueSource, 'channel-default');
  assert.equal(first.slaMinutes, 30);
  assert.equal(second.queueSource, 'exception');
  assert.equal(second.slaMinutes, 0.66);
  assert.equal(third.queueSource, 'flow');
  assert.equal(third.queueId, second.queueId);
  // The gold caller is served first (priority 10), then the hotline call.
  assert.deepEqual(
    waiting.result.map((i: { customer: string; priority: number }) => [i.customer, i.priority]),
    [
      ['+15065554444', 10],
      ['+15065553333', 0],
    ],
  );
  assert.equal(Date.parse(waiting.result[1].dueAt) - Date.parse(waiting.result[1].createdAt), 40_000);
  assert.equal(waiting.result[0].flowRun.path.map((p: { stepId: string }) => p.stepId).join(), 'greet,tier,vip');
});

test('the README install-and-start command names real scripts', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.match(readmeBlock('Two commands'), /npm install && npm start/);
  assert.equal(pkg.scripts.start, 'node --initial-old-space-size=256 bin/switchboard.mjs serve');
  assert.ok(pkg.scripts.test);
});
