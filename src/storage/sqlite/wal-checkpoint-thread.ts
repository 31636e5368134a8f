import type { DatabaseSync } from 'node:sqlite';

/** What {@link runCheckpointThread} is given. */
export interface CheckpointThreadData {
  path: string;
  intervalMs: number;
  /** Ticks in a row with nothing to do after which the thread ends. */
  idleTicks: number;
  /** A WAL of at least this many bytes after the PASSIVE checkpoint is reported ('long-wal'). */
  rewindBytes: number;
}

/**
 * The body of the upkeep thread (see wal-checkpointer.ts), on its own connection, every `intervalMs`:
 * - a bounded step of merging the search index's segments (FTS5 'merge' of at most 64 pages), so the
 *   COMMITs of the main thread never merge (automerge is off, migration 003);
 * - a PASSIVE WAL checkpoint, which never blocks the writer; when the WAL is still `rewindBytes` or
 *   more after it, the thread copies back what was committed meanwhile and posts 'long-wal' (see
 *   WalCheckpointerOptions.onLongWal).
 * After `idleTicks` ticks in a row with nothing to do (no commit by anyone, no segment merged, every
 * WAL frame copied back), it closes its connection and posts 'idle', and the thread ends.
 *
 * The thread runs this function's own source (`String(runCheckpointThread)`) as a script, not this
 * module: a thread that loads a module file sets up Node's module loader and, unless the compile cache
 * has the file, its TypeScript stripper; measured, 8–10 MB more resident memory for the same work. So
 * the body uses nothing from outside itself but `process` (its types are erased from the source).
 */
export function runCheckpointThread({ path, intervalMs, idleTicks, rewindBytes }: CheckpointThreadData): void {
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
  const { parentPort } = process.getBuiltinModule('node:worker_threads');
  const db: DatabaseSync = new DatabaseSync(path);
  db.exec('PRAGMA busy_timeout = 100');
  db.exec('PRAGMA synchronous = NORMAL'); // as the main connection: shorter merge transactions
  const merge = "INSERT INTO attempts_search (attempts_search, rank) VALUES ('merge', 64)";
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const pageBytes = (db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
  const dataVersion = db.prepare('PRAGMA data_version');
  const totalChanges = db.prepare('SELECT total_changes() AS changes');
  const changesSoFar = () => (totalChanges.get() as { changes: number }).changes;

  let lastVersion: unknown = null;
  let quietTicks = 0;
  const timer = setInterval(() => {
    // The merge command counts as one change; a merge that moved index rows counts more.
    let merged = false;
    try {
      const before = changesSoFar();
      db.exec(merge);
      merged = changesSoFar() - before > 1;
    } catch {
      // The table may not exist yet (migrations not run), or the writer is busy.
    }
    let quiet = false;
    try {
      const { busy, log, checkpointed } = checkpoint.get() as { busy: number; log: number; checkpointed: number };
      // data_version changes when another connection commits: the main one wrote since the last tick.
      const version = (dataVersion.get() as { data_version: number }).data_version;
      quiet = !merged && busy === 0 && log === checkpointed && version === lastVersion;
      lastVersion = version;
      if (log * pageBytes >= rewindBytes) {
        // Copy back what was committed meanwhile, a smaller part each pass, so that what is left for
        // the main thread's own checkpoint is small: under a synthetic 24 MB/s of commits it then took
        // 1.5–9 ms of the event loop instead of 10–18.
        let copiedTo = log;
        for (let pass = 0; pass < 3; pass += 1) {
          const again = checkpoint.get() as { busy: number; log: number };
          const written = again.log - copiedTo;
          copiedTo = again.log;
          if (again.busy !== 0 || written <= 32) break;
        }
        parentPort?.postMessage('long-wal');
      }
    } catch {
      // Busy or closing: the next tick tries again.
    }
    quietTicks = quiet ? quietTicks + 1 : 0;
    if (quietTicks < idleTicks) return;
    clearInterval(timer);
    db.close();
    parentPort?.postMessage('idle');
  }, intervalMs);
}
