import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { type ConstraintKind, migrate, SqlStore } from '../sql/sql-store.js';
import type { Store } from '../store.js';
import { GroupCommitDialect, GroupCommitDriver } from './group-commit-driver.js';
import { type StoreThreadReply, ThreadedStore } from './threaded-store.js';

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
 * The embedded default store. SQLite runs on a thread of its own (store-thread.ts) and this thread
 * talks to it through a ThreadedStore, which also keeps configuration and open interactions in
 * memory (docs/architecture.md says why). The database file belongs to one `switchboard serve`.
 */
export async function createSqliteStore(config: SqliteStoreConfig): Promise<Store> {
  const thread = new Worker(new URL('./typescript-thread.mjs', import.meta.url), {
    workerData: { module: new URL('./store-thread.ts', import.meta.url).href, filename: config.filename },
  });
  await new Promise<void>((resolve, reject) => {
    const early = (error: unknown) =>
      reject(error instanceof Error ? error : new Error(`the SQLite store thread exited (${error})`));
    thread.once('error', early);
    thread.once('exit', early);
    thread.once('message', (message: StoreThreadReply) => {
      thread.off('error', early);
      thread.off('exit', early);
      if (message.type === 'ready') resolve();
      else
        reject(
          new Error(
            `the SQLite store could not open ${config.filename}: ${message.type === 'fatal' ? message.message : message.type}`,
          ),
        );
    });
  });
  return new ThreadedStore(thread, config.onFatal ?? exitOnFatal).start();
}

/**
 * Pages the write-ahead log grows to before the writer checkpoints what is left of it and starts it
 * again from the beginning (about 64 MiB).
 */
export const walRestartFrames = 16384;

/**
 * The SQLite store itself, on the thread that owns the connection: one better-sqlite3 connection in
 * WAL mode. Operations run one at a time, so each sees the effects of the previous one, and commit
 * in groups (group-commit-driver.ts).
 */
export async function openSqliteStore(config: Required<SqliteStoreConfig>): Promise<SqlStore> {
  let lock: Database.Database | null = null;
  if (config.filename !== ':memory:') {
    mkdirSync(dirname(config.filename), { recursive: true });
    lock = lockDatabaseFile(config.filename);
  }
  const database = new Database(config.filename);
  database.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash; only an OS crash can lose the last transactions.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // The checkpointer thread (checkpointer.ts) copies the log into the database file; the writer
  // checkpoints only when the log has grown this long, which restarts it from the beginning.
  database.pragma(`wal_autocheckpoint = ${walRestartFrames}`);
  const driver = new GroupCommitDriver({ database, onFatal: config.onFatal });
  const db = new Kysely({ dialect: new GroupCommitDialect(driver, database) });
  await migrate(db, 'sqlite');
  await driver.committed();
  return new SqlStore({
    dialect: 'sqlite',
    db,
    classifyError,
    committed: () => driver.committed(),
    destroy: async () => {
      await db.destroy();
      lock?.close();
    },
  });
}

/**
 * One server per database file: a second `switchboard serve` on the same data directory would write
 * beside the first, and both would route the same work. The lock is SQLite's own exclusive lock on a
 * file beside the database, held for as long as the connection is open; the operating system drops
 * it when the process ends in any way (kill -9 included), so a crash never leaves a stale lock.
 */
function lockDatabaseFile(filename: string): Database.Database {
  const lock = new Database(`${filename}.lock`, { timeout: 0 });
  lock.pragma('locking_mode = EXCLUSIVE');
  try {
    lock.exec('BEGIN EXCLUSIVE');
    lock.exec('COMMIT');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`${filename} is in use by another Switchboard server (SWITCHBOARD_DATA_DIR); stop it first.`);
    }
    throw error;
  }
  return lock;
}
