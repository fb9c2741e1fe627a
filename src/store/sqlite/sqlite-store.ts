import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { type ConstraintKind, migrate, SqlStore } from '../sql/sql-store.js';

export interface SqliteStoreConfig {
  /** Path of the database file; ':memory:' for a throw-away store. */
  filename: string;
}

function classifyError(error: unknown): ConstraintKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key';
  return null;
}

/**
 * The embedded default store: one better-sqlite3 connection in WAL mode. Kysely serialises its use,
 * so every operation (one transaction) sees the effects of the previous one.
 */
export async function createSqliteStore(config: SqliteStoreConfig): Promise<SqlStore> {
  if (config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
  const database = new Database(config.filename);
  database.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash; only an OS crash can lose the last transactions.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // Kysely prepares every query it runs; better-sqlite3 statements can be reused, so they are kept by
  // their SQL text (the queries are built from a fixed set of shapes).
  const statements = new Map<string, Database.Statement>();
  const cached = {
    prepare(sql: string): Database.Statement {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= 2000) statements.clear();
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
  const db = new Kysely({ dialect: new SqliteDialect({ database: cached }) });
  await migrate(db, 'sqlite');
  return new SqlStore({ dialect: 'sqlite', db, classifyError, destroy: () => db.destroy() });
}
