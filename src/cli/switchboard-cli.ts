import { serve, serveConfigFromEnv } from '../main.js';

const usage = `Usage: switchboard <command>

Commands:
  serve     Start the HTTP API.
            PORT (default 8080), HOST (default 0.0.0.0),
            SWITCHBOARD_DATA_DIR (default ./data, SQLite), DATABASE_URL (PostgreSQL instead),
            SWITCHBOARD_ADMIN_TOKEN (else generated on first start and printed once), LOG_LEVEL.
  help      Show this text.`;

/** Runs the `switchboard` command; returns the process exit code. */
export async function runCli(args: string[]): Promise<number> {
  const [command] = args;
  if (command === 'serve') {
    const app = await serve(serveConfigFromEnv(process.env));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void app.close().then(() => process.exit(0));
      });
    }
    return -1;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(usage);
    return 0;
  }
  console.error(`Unknown command "${command}".\n\n${usage}`);
  return 2;
}
