import type Database from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type TransactionSettings,
} from 'kysely';

export interface GroupCommitConfig {
  database: Database.Database;
  /**
   * Called when SQLite could not commit a group (disk full, I/O error) or abandoned its transaction.
   * Work that later operations of this process already saw is then lost, so the process must not go
   * on announcing anything: the caller stops it, and a restart rebuilds from what is durable.
   */
  onFatal: (error: unknown) => void;
}

/** Statements by SQL text: the queries come from a fixed set of shapes, and preparing costs more than running. */
function statementCache(database: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  return (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= 2000) statements.clear();
      statement = database.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

/**
 * Group commit for the embedded store. A SQLite commit writes every page the transaction touched to
 * the WAL, and most of that cost is the same pages again (the tail of the event log, the indexes):
 * committing each operation on its own made commits the largest cost of an interaction's lifecycle.
 *
 * Here every operation (a Kysely transaction, or a single statement) runs, one at a time, inside an
 * open group transaction: a transaction becomes a savepoint, so it still applies or rolls back as a
 * whole. The group commits once per turn of the event loop (setImmediate), taking in every operation
 * that ran during that turn. An operation's result is therefore *applied* (seen by every later
 * operation of this process, which is the only connection) before it is *durable*; `committed()`
 * resolves when everything applied so far is durable, and whatever leaves the process (an HTTP
 * reply, a WebSocket message, an outgoing request) waits for it. That keeps "committed before
 * announced" while a chain of dependent operations (the router's) never waits for the disk.
 */
export class GroupCommitDriver implements Driver {
  private readonly database: Database.Database;
  private readonly prepare: (sql: string) => Database.Statement;
  private readonly onFatal: (error: unknown) => void;
  /** One operation at a time: a first-come, first-served lock. */
  private locked = false;
  private readonly waiting: (() => void)[] = [];
  /** The open group: begun, not yet committed. */
  private group: { done: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | null = null;
  private failed: unknown = null;

  constructor(config: GroupCommitConfig) {
    this.database = config.database;
    this.prepare = statementCache(config.database);
    this.onFatal = config.onFatal;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock();
    if (this.failed !== null) {
      this.unlock();
      throw this.failed;
    }
    if (!this.group) this.begin();
    return new OperationConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    (connection as OperationConnection).run('SAVEPOINT operation');
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as OperationConnection).run('RELEASE operation');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const operation = connection as OperationConnection;
    operation.run('ROLLBACK TO operation');
    operation.run('RELEASE operation');
  }

  async releaseConnection(): Promise<void> {
    this.unlock();
  }

  /** Resolves when every operation applied so far is durable. */
  committed(): Promise<void> {
    if (this.failed !== null) return Promise.reject(this.failed);
    return this.group?.done ?? Promise.resolve();
  }

  async destroy(): Promise<void> {
    await this.committed().catch(() => undefined);
    this.database.close();
  }

  /** Runs one statement of an operation that holds the lock. */
  execute<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
    try {
      const statement = this.prepare(sql);
      if (statement.reader) return { rows: statement.all(parameters) as R[] };
      const { changes, lastInsertRowid } = statement.run(parameters);
      return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
    } catch (error) {
      // A constraint violation undoes only its statement; some errors (disk full, I/O) make SQLite
      // abandon the whole transaction, and with it the other operations of the group.
      if (!this.database.inTransaction) this.fail(error);
      throw error;
    }
  }

  *iterate<R>(sql: string, parameters: readonly unknown[]): IterableIterator<R> {
    yield* this.prepare(sql).iterate(parameters) as IterableIterator<R>;
  }

  private begin(): void {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting when a group fails; the failure is reported through onFatal.
    done.catch(() => undefined);
    this.prepare('BEGIN').run();
    this.group = { done, resolve, reject };
    setImmediate(() => void this.commit());
  }

  private async commit(): Promise<void> {
    // Behind the operations already waiting: they join this group.
    await this.lock();
    const group = this.group;
    this.group = null;
    try {
      if (group && this.failed === null) {
        this.prepare('COMMIT').run();
        group.resolve();
      } else group?.reject(this.failed);
    } catch (error) {
      group?.reject(error);
      this.fail(error);
    } finally {
      this.unlock();
    }
  }

  private fail(error: unknown): void {
    if (this.failed !== null) return;
    this.failed = error;
    this.group?.reject(error);
    this.onFatal(error);
  }

  private lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private unlock(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.locked = false;
  }
}

/** The connection handed to one operation (Kysely passes it back on release). */
class OperationConnection implements DatabaseConnection {
  constructor(private readonly driver: GroupCommitDriver) {}

  run(sql: string): void {
    this.driver.execute(sql, []);
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(query.sql, query.parameters);
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.driver.iterate<R>(query.sql, query.parameters)) yield { rows: [row] };
  }
}

/** Kysely's SQLite dialect (compiler, adapter, introspector) over the group-commit driver. */
export class GroupCommitDialect extends SqliteDialect {
  private readonly groupDriver: GroupCommitDriver;

  constructor(driver: GroupCommitDriver, database: Database.Database) {
    super({ database });
    this.groupDriver = driver;
  }

  override createDriver(): Driver {
    return this.groupDriver;
  }
}
