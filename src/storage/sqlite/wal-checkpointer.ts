import { Worker } from 'node:worker_threads';

/**
 * Background upkeep of the SQLite file from a worker thread with its own connection, so it never
 * blocks Herald's event loop: WAL checkpoints (SQLite's automatic one runs inside the COMMIT that
 * crosses the threshold), and small merge steps of the search index (FTS5's automerge also runs inside
 * a COMMIT: measured at up to 3.5 s on a 100,000-entry log). PASSIVE checkpoints never block the
 * writer; a merge step holds the write lock for a few milliseconds. The main connection keeps a high
 * automatic checkpoint threshold, and FTS5 a crisis merge, only as safety nets.
 */
export class WalCheckpointer {
  readonly #worker: Worker;

  constructor(path: string, intervalMs = 250) {
    this.#worker = new Worker(new URL('./wal-checkpoint-thread.ts', import.meta.url), { workerData: { path, intervalMs } });
    this.#worker.unref();
    this.#worker.on('error', () => {
      // The safety-net autocheckpoint of the main connection keeps the WAL bounded without us.
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
