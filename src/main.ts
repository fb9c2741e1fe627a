import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { appleAdapter, appleProvider } from './adapters/apple/index.js';
import { hubspotFormat } from './adapters/hubspot/index.js';
import { messengerAdapter, messengerProvider } from './adapters/messenger/index.js';
import { scvAdapter } from './adapters/scv/scv-routes.js';
import { smtpTransport } from './adapters/smtp/index.js';
import { twilioAdapter, twilioProvider, twilioVoiceProvider } from './adapters/twilio/index.js';
import { webchatAdapter, webchatProvider } from './adapters/webchat/index.js';
import { whatsappAdapter, whatsappProvider } from './adapters/whatsapp/index.js';
import { clusterConfigFromEnv } from './cluster/cluster-config.js';
import type { ClusterConfig } from './cluster/cluster-node.js';
import { joinCluster } from './cluster/join.js';
import { generateAdminToken } from './engine/access-control.js';
import { systemClock } from './engine/clock.js';
import { createEngine } from './engine/engine.js';
import type { CallExportFormat } from './engine/exports/export-format.js';
import { createUuidV7Generator } from './engine/id-generator.js';
import type { MessagingProvider } from './engine/messaging/messaging-provider.js';
import { createPrometheusMetrics } from './engine/metrics.js';
import type { VoiceProvider } from './engine/voice/voice-provider.js';
import { buildApp, type ProtocolAdapter } from './http/app.js';
import { ensureWebBuilt } from './http/web-app.js';
import type { SqlStore } from './store/sql/sql-store.js';
import type { Store } from './store/store.js';

/** What `switchboard serve` reads from its environment. */
export interface ServeConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  adminToken: string | null;
  logLevel: string;
  /** The SMTP server voicemail emails go through (nodemailer's URL form), and their sender. */
  smtp: { url: string; from: string } | null;
  /** This node's cluster settings; null runs a single node (docs/cluster.md). */
  cluster: ClusterConfig | null;
}

/** The levels LOG_LEVEL may name (pino's). */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The settings, checked: a mistake is an error naming the setting, before anything starts. */
export function serveConfigFromEnv(env: NodeJS.ProcessEnv): ServeConfig {
  const port = Number(env.PORT ?? 8080);
  if (env.PORT?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (0–65535), not "${env.PORT}".`);
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${logLevels.join(', ')}, not "${logLevel}".`);
  }
  const smtpUrl = env.SWITCHBOARD_SMTP_URL || null;
  if (smtpUrl !== null && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) {
    throw new Error(
      'SWITCHBOARD_SMTP_URL must be an smtp:// or smtps:// URL, such as smtp://user:password@mail.example.com:587.',
    );
  }
  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl !== null) {
    let protocol = '';
    try {
      protocol = new URL(databaseUrl).protocol;
    } catch {
      throw new Error('DATABASE_URL is not a URL; it must be postgres://user:password@host:5432/database.');
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
      throw new Error(
        `DATABASE_URL must be a postgres:// or postgresql:// URL, not ${protocol}//: Switchboard stores in PostgreSQL, or in SQLite when DATABASE_URL is unset.`,
      );
    }
  }
  const host = env.HOST ?? '0.0.0.0';
  return {
    port,
    host,
    dataDir: resolve(env.SWITCHBOARD_DATA_DIR ?? './data'),
    databaseUrl,
    adminToken: env.SWITCHBOARD_ADMIN_TOKEN || null,
    logLevel,
    smtp: smtpUrl ? { url: smtpUrl, from: env.SWITCHBOARD_SMTP_FROM || 'Switchboard <switchboard@localhost>' } : null,
    cluster: clusterConfigFromEnv(env, { port, host, databaseUrl }),
  };
}

/** Where a URL points, without its credentials (for error messages). */
function endpointOf(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname || 'localhost'}:${url.port || 5432}${url.pathname}`;
}

/** The other vendors' protocols Switchboard speaks, each under its own path prefix. */
export const protocolAdapters: ProtocolAdapter[] = [
  scvAdapter,
  whatsappAdapter,
  messengerAdapter,
  appleAdapter,
  webchatAdapter,
  twilioAdapter,
];
/** The messaging providers the adapters implement, for the engine to send through. */
export const messagingProviders: MessagingProvider[] = [
  whatsappProvider,
  messengerProvider,
  appleProvider,
  webchatProvider,
  twilioProvider,
];
/** The voice providers that carry live calls. */
export const voiceProviders: VoiceProvider[] = [twilioVoiceProvider];
/** The CRMs finished calls can be exported to, besides Switchboard's own signed HTTP. */
export const callExportFormats: CallExportFormat[] = [hubspotFormat];

/** The store the configuration asks for; the Postgres driver is loaded only when used. */
export async function openStore(config: Pick<ServeConfig, 'dataDir' | 'databaseUrl'>): Promise<Store> {
  if (config.databaseUrl) {
    const { createPostgresStore } = await import('./store/postgres/postgres-store.js');
    try {
      return await createPostgresStore({ connectionString: config.databaseUrl });
    } catch (error) {
      throw new Error(`DATABASE_URL: cannot use PostgreSQL at ${endpointOf(config.databaseUrl)}: ${(error as Error).message}`);
    }
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
  await ensureWebBuilt(log);
  const store = await openStore(config);
  let app: FastifyInstance;
  let resumed: number;
  let cluster: ReturnType<typeof joinCluster> | null = null;
  try {
    const metrics = createPrometheusMetrics();
    const engine = createEngine({
      store,
      clock: systemClock,
      newId: createUuidV7Generator(),
      adminToken: token,
      metrics,
      messagingProviders,
      callExportFormats,
      voiceProviders,
      email: config.smtp ? smtpTransport(config.smtp.url, config.smtp.from) : null,
    });
    metrics.readLive(() => engine.liveFigures());
    cluster =
      config.cluster && config.databaseUrl
        ? joinCluster({ config: config.cluster, databaseUrl: config.databaseUrl, store: store as SqlStore, engine, log })
        : null;
    // A node starts the tenants it wins, one by one (cluster.start below); a single node starts them all.
    resumed = cluster ? 0 : await engine.start();
    app = await buildApp({
      engine,
      adapters: protocolAdapters,
      logger: { level: config.logLevel },
      metrics: metrics.registry,
      ...(cluster ? { cluster: cluster.routing } : {}),
    });
  } catch (error) {
    // A start that fails releases the store (its thread and lock) so the process can exit.
    await store.close().catch(() => undefined);
    throw error;
  }
  app.addHook('onClose', () => store.close());
  // SIGTERM on a node: its tenants are released (not waited out) before the server stops answering.
  if (cluster) app.addHook('preClose', () => (cluster as ReturnType<typeof joinCluster>).leave());
  if (resumed > 0) log(`Re-armed ${resumed} timers of waiting flow runs.`);
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    const code = (error as { code?: string }).code;
    const where = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE')
      throw new Error(`PORT ${config.port}: ${where} is already in use; stop what listens there or set PORT.`);
    if (code === 'EACCES') throw new Error(`PORT ${config.port}: not allowed to listen on ${where}; choose a port above 1023.`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new Error(`HOST ${config.host} is not an address of this machine.`);
    throw error;
  }
  if (generated) {
    log(`Generated the admin token (shown once; also stored in ${join(config.dataDir, 'admin-token')}):`);
    log(`  ${token}`);
  }
  if (cluster && config.cluster) {
    await cluster.start();
    log(`Node ${config.cluster.nodeId} joined the cluster (${config.cluster.url}); holds ${cluster.node.owned()} tenants.`);
  }
  log(`Switchboard listening on ${address} (store: ${store.driver}${store.driver === 'sqlite' ? `, ${config.dataDir}` : ''})`);
  return app;
}
