import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, readmeBlock, runQuickStart } from '../support/readme.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-messaging-doc-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("docs/messaging.md's worked example runs verbatim after the quick start: the greeting and the reply reach WhatsApp", async () => {
  server = await startServer({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
  const port = await freePort();
  const lines = await runQuickStart(dir, server.url, { GRAPH_PORT: String(port) }, [
    readmeBlock('Worked example', 'docs/messaging.md'),
  ]);
  const sends = lines.filter((line) => line.startsWith('/v21.0/'));
  assert.equal(sends.length, 2, lines.join('\n'));
  const bodies = sends.map((line) => JSON.parse(line.slice(line.indexOf('{'))));
  assert.deepEqual(
    bodies.map((b) => b.text.body),
    ['Thanks Kerry, an agent will be with you shortly.', 'It left our warehouse this morning.'],
  );
  assert.ok(sends.every((line) => line.includes('Bearer EAAG-example')));
  assert.ok(lines.includes('1158201444'), lines.join('\n'));
  assert.ok(lines.includes('{"received":true}'));
  assert.ok(lines.includes('queued'));
});
