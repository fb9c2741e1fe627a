import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, readmeBlock, runQuickStart } from '../support/readme.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-missed-calls-doc-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("docs/missed-calls.md's worked example runs verbatim after the quick start: the missed call goes to the favourite agent", async () => {
  server = await startServer({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
  const lines = await runQuickStart(dir, server.url, { EXPORT_PORT: String(await freePort()) }, [
    readmeBlock('Worked example', 'docs/missed-calls.md'),
  ]);
  assert.ok(lines.includes('delivered missed u-bo favorite_agent last_step_agent,favorite_agent'), lines.join('\n'));
  const line = readFileSync(join(dir, 'exports.log'), 'utf8').trim();
  const key = line.slice(0, line.indexOf(' '));
  const landed = JSON.parse(line.slice(line.indexOf(' ') + 1));
  assert.equal(landed.id, key);
  assert.equal(landed.call.customer, '+15065557777');
});
