import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readmeBlock, runQuickStart } from '../support/readme.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-callbacks-doc-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("docs/callbacks.md's worked example runs verbatim after the quick start: the unanswered attempt comes back in 5 minutes", async () => {
  server = await startServer({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
  const lines = await runQuickStart(dir, server.url, {}, [readmeBlock('Worked example', 'docs/callbacks.md')]);
  const call = JSON.parse(lines.at(-2) ?? '{}');
  assert.equal(call.status, 'no-answer', lines.join('\n'));
  assert.equal(call.attempt, 1);
  assert.equal(lines.at(-1), 'completed 1 no-answer next in 5 min');
});
