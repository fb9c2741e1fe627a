import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

/** The first ```bash block after a heading of a document of the project (the README by default). */
export function readmeBlock(heading: string, document = 'README.md'): string {
  const text = readFileSync(new URL(`../../${document}`, import.meta.url), 'utf8');
  const at = text.indexOf(`## ${heading}`);
  assert.ok(at >= 0, `no heading "${heading}" in ${document}`);
  const match = /```bash\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(match?.[1], `no bash block under "${heading}" in ${document}`);
  return match[1];
}

/**
 * Runs the quick start as written, in `cwd`, against the server at `url`, followed in the same shell by
 * the blocks given (examples that continue it); returns the output lines.
 */
export async function runQuickStart(
  cwd: string,
  url: string,
  env: Record<string, string> = {},
  continued: string[] = [],
): Promise<string[]> {
  // Each block on lines of its own: the quick start's last answer has no newline of its own.
  const script = [readmeBlock('Quick start'), ...continued].join('\necho\n');
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    env: { ...process.env, SB: url, ...env },
  });
  return stdout.trim().split('\n');
}

/** A loopback port nobody listens on, for an example's stand-in server. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
