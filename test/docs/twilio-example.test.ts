import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readmeBlock, runQuickStart } from '../support/readme.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-twilio-doc-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("docs/twilio.md's worked example runs verbatim after the quick start: TwiML for the call, then a missed call", async () => {
  server = await startServer({ SWITCHBOARD_DATA_DIR: join(dir, 'data') });
  // The example runs from the project folder, where the twilio helper library is installed.
  const modules = fileURLToPath(new URL('../../node_modules', import.meta.url));
  const lines = await runQuickStart(dir, server.url, { NODE_PATH: modules }, [readmeBlock('Worked example', 'docs/twilio.md')]);
  const twiml = lines.find((line) => line.startsWith('<?xml')) ?? '';
  assert.match(
    twiml,
    /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Say voice="Polly.Joanna">Thanks for calling Acme.<\/Say><Say voice="Polly.Joanna">You are number 2 in line.<\/Say><Pause length="20"\/><Redirect method="POST">http:\/\/127.0.0.1:\d+\/providers\/twilio\/[^/]+\/[^/]+\/voice\/calls\/[^/]+\/next\?after=\d+<\/Redirect><\/Response>$/,
    lines.join('\n'),
  );
  assert.deepEqual(lines.slice(-2), ['(no body)', '+15065559876 abandoned CA00000000000000000000000000000001']);
});
