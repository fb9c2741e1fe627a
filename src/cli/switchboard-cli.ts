import { readFileSync } from 'node:fs';
import { serve, serveConfigFromEnv } from '../main.js';

const usage = `Usage: switchboard <command>

Commands:
  serve     Start the HTTP API. Settings come from the environment:
            PORT (default 8080), HOST (default 0.0.0.0),
            SWITCHBOARD_DATA_DIR (default ./data, SQLite), DATABASE_URL (a postgres:// URL: PostgreSQL instead),
            SWITCHBOARD_ADMIN_TOKEN (else generated on first start and printed once),
            LOG_LEVEL (fatal, error, warn, info, debug, trace or silent; default info),
            SWITCHBOARD_SMTP_URL (smtp:// or smtps://: where voicemail emails go; none sent without it),
            SWITCHBOARD_SMTP_FROM (their sender; default Switchboard <switchboard@localhost>).
            A cluster on PostgreSQL (docs/cluster.md): SWITCHBOARD_NODE_ID (this node's name),
            SWITCHBOARD_NODE_URL (where the other nodes reach it), SWITCHBOARD_CLUSTER_SECRET (shared by
            the nodes, 16+ characters), SWITCHBOARD_LEASE_SECONDS (2–60, default 9).
  help      Show this text (also --help or -h, after any command).
  version   Show the version (also --version or -v).`;

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** Runs the `switchboard` command; returns the process exit code (-1: serving until a signal). */
export async function runCli(args: string[]): Promise<number> {
  if (args.some((arg) => arg === '--help' || arg === '-h') || args[0] === 'help') {
    console.log(usage);
    return 0;
  }
  if (args.some((arg) => arg === '--version' || arg === '-v') || args[0] === 'version') {
    console.log(`switchboard ${version()}`);
    return 0;
  }
  const [command, ...rest] = args;
  if (command === undefined) {
    console.error(usage);
    return 2;
  }
  if (command !== 'serve') {
    console.error(`Unknown command "${command}".\n\n${usage}`);
    return 2;
  }
  if (rest.length > 0) {
    console.error(`serve takes no arguments (settings come from the environment), not "${rest.join(' ')}".\n\n${usage}`);
    return 2;
  }
  const app = await serve(serveConfigFromEnv(process.env));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().then(() => process.exit(0));
    });
  }
  return -1;
}
