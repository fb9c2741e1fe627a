/**
 * The thread that owns the SQLite connection. It runs the calls the main thread sends, one at a time
 * and in the order sent (so a read sees every write sent before it), answers each batch with its
 * outcomes, and reports when a batch is committed. See threaded-store.ts for the other side.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { AppError } from '../../core/errors.js';
import type { SqlStore } from '../sql/sql-store.js';
import { openSqliteStore, walRestartFrames } from './sqlite-store.js';
import type { CallOutcome, StoreThreadReply, StoreThreadRequest } from './threaded-store.js';

const port = parentPort;
if (!port) throw new Error('store-thread.ts runs as a worker thread');
const reply = (message: StoreThreadReply) => port.postMessage(message);
const fatal = (error: unknown) => reply({ type: 'fatal', message: error instanceof Error ? error.message : String(error) });

function invoke(store: SqlStore, path: string, args: unknown[]): Promise<unknown> {
  const [first, second] = path.split('.') as [string, string | undefined];
  const target = (second === undefined ? store : (store as unknown as Record<string, unknown>)[first]) as Record<
    string,
    (...args: unknown[]) => Promise<unknown>
  >;
  const method = target[second ?? first];
  if (typeof method !== 'function') throw new Error(`the store has no operation ${path}`);
  return method.apply(target, args);
}

async function serve(store: SqlStore, request: StoreThreadRequest): Promise<void> {
  const outcomes: CallOutcome[] = [];
  for (const call of request.calls) {
    try {
      outcomes.push({ id: call.id, value: await invoke(store, call.path, call.args) });
    } catch (error) {
      outcomes.push({
        id: call.id,
        error:
          error instanceof AppError
            ? { errors: error.errors }
            : { message: error instanceof Error ? error.message : String(error), code: (error as { code?: unknown }).code },
      });
    }
  }
  reply({ type: 'results', outcomes });
  // A failed commit is reported through onFatal.
  store.committed().then(
    () => reply({ type: 'committed', batch: request.batch }),
    () => undefined,
  );
}

/** Starts the WAL checkpointer (checkpointer.ts); a database in memory has no log. */
function startCheckpointer(filename: string): Worker | null {
  if (filename === ':memory:') return null;
  const checkpointer = new Worker(new URL('./typescript-thread.mjs', import.meta.url), {
    workerData: { module: new URL('./checkpointer.ts', import.meta.url).href, filename, intervalMs: 100, walRestartFrames },
  });
  checkpointer.on('message', (message: { type: string; message: string }) => {
    console.error(`switchboard: a WAL checkpoint failed (the log keeps every commit meanwhile): ${message.message}`);
  });
  checkpointer.on('error', (error) => console.error('switchboard: the WAL checkpointer stopped', error));
  return checkpointer;
}

try {
  const { filename } = workerData as { filename: string };
  const store = await openSqliteStore({ filename, onFatal: fatal });
  const checkpointer = startCheckpointer(filename);
  const close = store.close.bind(store);
  // The checkpointer's connection closes first, so that closing the writer's (the last) checkpoints
  // the whole log and removes it.
  store.close = async () => {
    await checkpointer?.terminate();
    await close();
  };
  let queue = Promise.resolve();
  port.on('message', (request: StoreThreadRequest) => {
    queue = queue.then(() => serve(store, request));
  });
  reply({ type: 'ready' });
} catch (error) {
  fatal(error);
}
