import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server-process.js';

// The `switchboard` command: help and version without side effects, unknown arguments refused, and a
// start that cannot succeed exits non-zero at once with a message naming the setting.

const bin = fileURLToPath(new URL('../../bin/switchboard.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs the command to its end (bounded: killed after 20 s, which fails the test). */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, SWITCHBOARD_DATA_DIR: join(dataDir, 'unused'), HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('--help and --version answer without starting anything; unknown arguments are refused', async () => {
  for (const args of [['--help'], ['serve', '--help'], ['help'], ['serve', '-h']]) {
    const result = await run(args, { PORT: '1' });
    assert.equal(result.code, 0, args.join(' '));
    assert.match(result.stdout, /Usage: switchboard <command>/);
    assert.doesNotMatch(result.stdout, /listening/);
  }
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = await run(['--version']);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), `switchboard ${manifest.version}`);
  for (const args of [['serve', '--port', '9'], ['frobnicate'], []]) {
    const result = await run(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, /Usage/);
  }
});

test('a start that cannot succeed exits 1 at once, naming the setting', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = String((busy.address() as { port: number }).port);
  try {
    const inUse = await run(['serve'], { PORT: port, SWITCHBOARD_DATA_DIR: join(dataDir, 'port') });
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, new RegExp(`PORT ${port}: .* already in use`));
  } finally {
    busy.close();
  }
  const cases: [Record<string, string>, RegExp][] = [
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"/],
    [{ PORT: 'eighty' }, /PORT must be a port number/],
    [{ SWITCHBOARD_SMTP_URL: 'mail.example.com:25' }, /SWITCHBOARD_SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/],
    [
      { DATABASE_URL: 'mysql://root@127.0.0.1/switchboard' },
      /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL, not mysql:/,
    ],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a URL/],
    // SQLite runs one node, and says so when asked to join a cluster.
    [{ SWITCHBOARD_NODE_ID: 'n1' }, /SWITCHBOARD_NODE_ID: a cluster runs on PostgreSQL .* SQLite .* one node only/],
    [
      { SWITCHBOARD_NODE_ID: 'n1', DATABASE_URL: 'postgres://127.0.0.1:5432/test', SWITCHBOARD_NODE_URL: 'http://127.0.0.1:9' },
      /SWITCHBOARD_CLUSTER_SECRET must be set/,
    ],
    // A closed port on loopback: refused at once. The password is not in the message.
    [
      { DATABASE_URL: 'postgres://user:hunter2@127.0.0.1:1/switchboard' },
      /DATABASE_URL: cannot use PostgreSQL at 127\.0\.0\.1:1\/switchboard/,
    ],
  ];
  for (const [env, message] of cases) {
    const result = await run(['serve'], { PORT: '0', ...env });
    assert.equal(result.code, 1, JSON.stringify(env));
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /hunter2/);
  }
});

test('a second server on a data directory in use refuses to start; after the first stops it starts', async () => {
  const shared = join(dataDir, 'shared');
  const first = await startServer({ SWITCHBOARD_DATA_DIR: shared });
  try {
    const second = await run(['serve'], { PORT: '0', SWITCHBOARD_DATA_DIR: shared });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /in use by another Switchboard server/);
  } finally {
    // kill -9: the operating system releases the lock with the process.
    await first.stop('SIGKILL');
  }
  const third = await startServer({ SWITCHBOARD_DATA_DIR: shared });
  await third.stop();
});
