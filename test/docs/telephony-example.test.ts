import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readmeBlock, runQuickStart } from '../support/readme.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-telephony-doc-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("docs/telephony-api.md's worked example runs verbatim after the quick start and routes the call", async () => {
  server = await startServer({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
  const lines = await runQuickStart(dir, server.url, {}, [readmeBlock('Worked example', 'docs/telephony-api.md')]);
  const [created, routed] = lines.slice(-2).map((line) => JSON.parse(line));
  assert.match(created.voiceCallId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(routed, { queue: 'arn:aws:connect:us-east-1:1234:instance/abc/queue/support' });
});
