/**
 * The WAL checkpointer: on a connection and a thread of its own, it copies committed pages from the
 * write-ahead log into the database file, so the store thread's commits do not stop for it. A
 * checkpoint syncs the log and the database file to disk; run by the writer (SQLite's automatic
 * checkpoint), it held every commit behind it for several milliseconds.
 *
 * A PASSIVE checkpoint never blocks the writer. Under steady traffic it rarely catches up with the
 * very last commit, and the log restarts from its beginning only after a checkpoint that did; the
 * writer keeps SQLite's automatic checkpoint with a high threshold for that, which then finds little
 * left to copy.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * Checkpoints are background work: on two cores, a checkpoint that took one in the middle of traffic
 * delayed the threads that answer requests. Where a thread can lower its own priority (Linux names
 * it by /proc/thread-self) this one does; elsewhere it keeps the default.
 */
function yieldToRequests(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 10);
  } catch {
    // Not Linux, or not allowed: the default priority.
  }
}

yieldToRequests();
const { filename, intervalMs } = workerData as { filename: string; intervalMs: number };
const database = new Database(filename);
database.pragma('synchronous = NORMAL');
let reported = false;
setInterval(() => {
  try {
    database.pragma('wal_checkpoint(PASSIVE)');
    reported = false;
  } catch (error) {
    // Nothing is lost while checkpoints fail: the log keeps every commit. Reported once per spell.
    if (!reported) parentPort?.postMessage({ type: 'checkpoint-failed', message: String(error) });
    reported = true;
  }
}, intervalMs);
