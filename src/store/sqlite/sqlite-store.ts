import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { type ConstraintKind, migrate, SqlStore } from '../sql/sql-store.js';
import { GroupCommitDialect, GroupCommitDriver } from './group-commit-driver.js';

export interface SqliteStoreConfig {
  /** Path of the database file; ':memory:' for a throw-away store. */
  filename: string;
  /** What to do when SQLite cannot commit (see GroupCommitConfig.onFatal); exits the process by default. */
  onFatal?: (error: unknown) => void;
}

function exitOnFatal(error: unknown): void {
  console.error('switchboard: the SQLite store could not commit; stopping so a restart recovers from what is durable.', error);
  process.exit(70);
}

function classifyError(error: unknown): ConstraintKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key';
  return null;
}

/**
 * The embedded default store: one better-sqlite3 connection in WAL mode. Operations run one at a
 * time, so each sees the effects of the previous one, and commit in groups (group-commit-driver.ts).
 */
export async function createSqliteStore(config: SqliteStoreConfig): Promise<SqlStore> {
  if (config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
  const database = new Database(config.filename);
  database.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash; only an OS crash can lose the last transactions.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const driver = new GroupCommitDriver({ database, onFatal: config.onFatal ?? exitOnFatal });
  const db = new Kysely({ dialect: new GroupCommitDialect(driver, database) });
  await migrate(db, 'sqlite');
  await driver.committed();
  return new SqlStore({
    dialect: 'sqlite',
    db,
    classifyError,
    // The database file belongs to one `switchboard serve` (its router state lives in that process).
    onlyWriter: true,
    committed: () => driver.committed(),
    destroy: () => db.destroy(),
  });
}
