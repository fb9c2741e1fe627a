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
  const first = JSON.parse(lines[0] ?? '');
  const second = JSON.parse(lines[1] ?? '');
  const waiting = JSON.parse(lines[2] ?? '');
  assert.equal(first.queueSource, 'channel-default');
  assert.equal(first.slaMinutes, 30);
  assert.equal(Date.parse(first.dueAt) - Date.parse(first.potentialDueAt), 0);
  assert.equal(second.queueSource, 'exception');
  assert.equal(second.slaMinutes, 0.66);
  assert.equal(waiting.result.length, 1);
  assert.equal(Date.parse(waiting.result[0].dueAt) - Date.parse(waiting.result[0].createdAt), 40_000);
});

test('the README install-and-start command names real scripts', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.match(readmeBlock('Two commands'), /npm install && npm start/);
  assert.equal(pkg.scripts.start, 'node bin/switchboard.mjs serve');
  assert.ok(pkg.scripts.test);
});
