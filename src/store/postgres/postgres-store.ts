import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type ConstraintKind, migrate, SqlStore } from '../sql/sql-store.js';

export interface PostgresStoreConfig {
  /** A libpq connection string, e.g. postgres://user@127.0.0.1:5432/switchboard */
  connectionString: string;
  maxConnections?: number;
}

function classifyError(error: unknown): ConstraintKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '23505') return 'unique';
  if (code === '23503') return 'foreign-key';
  return null;
}

// Event sequence numbers are BIGINT; they stay far below 2^53, so they are read as numbers.
const int8 = 20;
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === int8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
};

/** The production store: a pg pool, migrations applied before the first use. */
export async function createPostgresStore(config: PostgresStoreConfig): Promise<SqlStore> {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    max: config.maxConnections ?? 10,
    types,
    // An unreachable server is an error within seconds, not a start that hangs.
    connectionTimeoutMillis: 10_000,
  });
  // A connection the server closes while it sits idle in the pool (a restart, a terminated backend)
  // is dropped and replaced by the next query; without a listener pg would crash the process.
  pool.on('error', (error) => console.error(`switchboard: an idle PostgreSQL connection failed: ${error.message}`));
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db, 'postgres');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // Several Switchboard processes may share the database: nothing is cached across operations.
  return new SqlStore({ dialect: 'postgres', db, classifyError, destroy: () => db.destroy() });
}
