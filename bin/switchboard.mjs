#!/usr/bin/env node
// Node 20 cannot strip TypeScript types itself, so the CLI runs its sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/switchboard-cli.ts');
try {
  const code = await runCli(process.argv.slice(2));
  // -1: a long-running command (serve) that exits on a signal.
  if (code >= 0) process.exitCode = code;
} catch (error) {
  console.error(`switchboard: ${error instanceof Error ? error.message : error}`);
  // At once: a start that failed half-way must not hang on what it had opened.
  process.exit(1);
}
