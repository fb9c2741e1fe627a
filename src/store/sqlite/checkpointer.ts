/**
 * The WAL checkpointer: on a connection and a thread of its own, it copies committed pages from the
 * write-ahead log into the database file, so the store thread's commits do not stop for it. A
 * checkpoint syncs the log and the database file to disk; run by the writer (SQLite's automatic
 * checkpoint), it held every commit behind it for several milliseconds.
 *
 * A PASSIVE checkpoint never blocks the writer. The log restarts from its beginning only when a
 * transaction of the writer begins after a checkpoint that copied every commit; under steady traffic
 * one every tenth of a second rarely does, so the writer keeps SQLite's automatic checkpoint with a
 * high threshold as the backstop, and this thread checkpoints pass after pass as the log nears it.
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
const { filename, intervalMs, walRestartFrames } = workerData as {
  filename: string;
  intervalMs: number;
  walRestartFrames: number;
};
/**
 * From this length on the log is checkpointed pass after pass rather than every `intervalMs`. When the
 * log reaches `walRestartFrames` the writer checkpoints whatever is not copied yet itself, inside the
 * commit that crossed the mark, before that commit is announced: left to the interval, that was up to
 * a tenth of a second of pages (2,000 at 1,000 interactions/s), and the commit took 7–14 ms instead
 * of under one. Copied pass after pass, a few commits' pages are left.
 */
const catchUpFrames = walRestartFrames - walRestartFrames / 4;
const database = new Database(filename);
database.pragma('synchronous = NORMAL');
let reported = false;
let lastLogFrames = 0;
function checkpoint(): void {
  let logFrames = 0;
  try {
    const [result] = database.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    logFrames = result?.log ?? 0;
    reported = false;
  } catch (error) {
    // Nothing is lost while checkpoints fail: the log keeps every commit. Reported once per spell.
    if (!reported) parentPort?.postMessage({ type: 'checkpoint-failed', message: String(error) });
    reported = true;
  }
  // Pass after pass only while commits come in: an idle log stays as it is until the next write.
  const growing = logFrames !== lastLogFrames;
  lastLogFrames = logFrames;
  if (logFrames >= catchUpFrames && growing && !reported) setImmediate(checkpoint);
  else setTimeout(checkpoint, intervalMs);
}
setTimeout(checkpoint, intervalMs);
