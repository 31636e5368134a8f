import { DatabaseSync } from 'node:sqlite';
import { workerData } from 'node:worker_threads';

// Runs in a worker thread (see wal-checkpointer.ts), on its own connection, every `intervalMs`:
// - a bounded step of merging the search index's segments (FTS5 'merge' of at most MERGE_PAGES pages),
//   so the COMMITs of the main thread never merge (automerge is off, migration 003);
// - a PASSIVE WAL checkpoint, which never blocks the writer.

const MERGE_PAGES = 64;
const MERGE_SQL = `INSERT INTO attempts_search (attempts_search, rank) VALUES ('merge', ${MERGE_PAGES})`;

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new DatabaseSync(path);
db.exec('PRAGMA busy_timeout = 100');
db.exec('PRAGMA synchronous = NORMAL'); // as the main connection: shorter merge transactions

setInterval(() => {
  try {
    db.exec(MERGE_SQL);
  } catch {
    // The table may not exist yet (migrations run after this thread starts), or the writer is busy.
  }
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or closing: the next tick tries again.
  }
}, intervalMs);
