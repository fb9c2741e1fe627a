import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scvAdapter } from './adapters/scv/scv-routes.js';
import { generateAdminToken } from './engine/access-control.js';
import { systemClock } from './engine/clock.js';
import { createEngine } from './engine/engine.js';
import { createUuidV7Generator } from './engine/id-generator.js';
import { buildApp, type ProtocolAdapter } from './http/app.js';
import type { Store } from './store/store.js';

/** What `switchboard serve` reads from its environment. */
export interface ServeConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  adminToken: string | null;
}

export function serveConfigFromEnv(env: NodeJS.ProcessEnv): ServeConfig {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${env.PORT}".`);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: resolve(env.SWITCHBOARD_DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || null,
    adminToken: env.SWITCHBOARD_ADMIN_TOKEN || null,
  };
}

/** The other vendors' protocols Switchboard speaks, each under its own path prefix. */
export const protocolAdapters: ProtocolAdapter[] = [scvAdapter];

/** The store the configuration asks for; the Postgres driver is loaded only when used. */
export async function openStore(config: Pick<ServeConfig, 'dataDir' | 'databaseUrl'>): Promise<Store> {
  if (config.databaseUrl) {
    const { createPostgresStore } = await import('./store/postgres/postgres-store.js');
    return createPostgresStore({ connectionString: config.databaseUrl });
  }
  const { createSqliteStore } = await import('./store/sqlite/sqlite-store.js');
  return createSqliteStore({ filename: join(config.dataDir, 'switchboard.db') });
}

/**
 * The admin token: from the environment, or generated on first start and kept in the data
 * directory (readable by the owner only). `printed` tells the caller to show it this once.
 */
export function resolveAdminToken(config: Pick<ServeConfig, 'dataDir' | 'adminToken'>): { token: string; generated: boolean } {
  if (config.adminToken) return { token: config.adminToken, generated: false };
  const file = join(config.dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false };
  mkdirSync(config.dataDir, { recursive: true });
  const token = generateAdminToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}

/** Composition root: the concrete store, the engine, the HTTP app, listening. */
export async function serve(config: ServeConfig, log: (line: string) => void = console.log) {
  const { token, generated } = resolveAdminToken(config);
  const store = await openStore(config);
  const engine = createEngine({ store, clock: systemClock, newId: createUuidV7Generator(), adminToken: token });
  const resumed = await engine.start();
  const app = await buildApp({ engine, adapters: protocolAdapters, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  app.addHook('onClose', () => store.close());
  if (resumed > 0) log(`Re-armed ${resumed} timers of waiting flow runs.`);
  const address = await app.listen({ port: config.port, host: config.host });
  if (generated) {
    log(`Generated the admin token (shown once; also stored in ${join(config.dataDir, 'admin-token')}):`);
    log(`  ${token}`);
  }
  log(`Switchboard listening on ${address} (store: ${store.driver}${store.driver === 'sqlite' ? `, ${config.dataDir}` : ''})`);
  return app;
}
