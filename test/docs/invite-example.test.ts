import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, readmeBlock, runQuickStart } from '../support/readme.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-invite-doc-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("docs/invite-to-chat.md's worked example runs verbatim after the quick start: a session, a fault, the template sent", async () => {
  server = await startServer({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
  const lines = await runQuickStart(dir, server.url, { GRAPH_PORT: String(await freePort()) }, [
    readmeBlock('Worked example', 'docs/invite-to-chat.md'),
  ]);
  const session = lines.find((line) => line.includes('_umsChatSessionId'));
  assert.match(session ?? '', /^\{"Parameters":\{"_umsChatSessionId":"[0-9a-f-]{36}"\}\}$/);
  assert.ok(lines.includes('{"Fault":{"faultCode":1001,"faultString":"MISSING_PARAMETER:_umsClientId"}}'), lines.join('\n'));
  const send = lines.find((line) => line.startsWith('/v21.0/'));
  const body = JSON.parse((send ?? '').slice((send ?? '').indexOf('{')));
  assert.deepEqual(
    body.template.components[0].parameters.map((p: { text: string }) => p.text),
    ['John', 'A-1042'],
  );
});
