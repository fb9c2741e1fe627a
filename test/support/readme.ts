import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

/** The first ```bash block after a heading of the README. */
export function readmeBlock(heading: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const match = /```bash\n([\s\S]*?)```/.exec(section);
  assert.ok(match?.[1], `no bash block under "${heading}"`);
  return match[1];
}

/** Runs the quick start as written, in `cwd`, against the server at `url`; returns its output lines. */
export async function runQuickStart(cwd: string, url: string, env: Record<string, string> = {}): Promise<string[]> {
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', readmeBlock('Quick start')], {
    cwd,
    env: { ...process.env, SB: url, ...env },
  });
  return stdout.trim().split('\n');
}
