import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { runCheckpointThread, type CheckpointThreadData } from './wal-checkpoint-thread.ts';

/** How the upkeep thread runs; every field has a default. */
export interface WalCheckpointerOptions {
  /** Between two checkpoint and merge steps; default 250 ms. */
  intervalMs?: number;
  /** The thread ends after this long with nothing to do; default 30 s. */
  idleAfterMs?: number;
  /** While no thread runs, how often the WAL file is looked at for new writes; default 1 s. */
  watchIntervalMs?: number;
  /** A WAL at least this large after the thread's checkpoint is reported to `onLongWal`; default 4 MiB. */
  rewindBytes?: number;
  /**
   * Called on the main thread when the WAL is long (`rewindBytes`) after the thread copied it back.
   * SqliteDatabase answers with a checkpoint of its own between two of its transactions: it copies
   * only what was committed since (1.5–9 ms of event loop under a synthetic 24 MB/s of commits), and
   * its next commit then starts the WAL over.
   * The thread's PASSIVE checkpoints alone never let the WAL start over under steady writes: SQLite
   * rewinds it only when a write begins with every frame copied back, and the main thread commits
   * again before a checkpoint of the thread ends. Measured before this: the WAL grew to 90–128 MB in
   * a 5,000-delivery bench run, and filled a small disk again right after space returned.
   */
  onLongWal?: () => void;
}

/**
 * Background upkeep of the SQLite file from a worker thread with its own connection, so it never
 * blocks Herald's event loop: WAL checkpoints (SQLite's automatic one runs inside the COMMIT that
 * crosses the threshold), and small merge steps of the search index (FTS5's automerge also runs inside
 * a COMMIT: measured at up to 3.5 s on a 100,000-entry log). PASSIVE checkpoints never block the
 * writer; a merge step holds the write lock for a few milliseconds. The main connection keeps a high
 * automatic checkpoint threshold, and FTS5 a crisis merge, only as safety nets.
 *
 * The thread runs only while there is upkeep to do: a thread is a V8 isolate of its own (~25 MB
 * resident), which a process that only reads, or waits for work, does not need. It starts when the
 * WAL file changes (its size or time, looked at every second), and ends after `idleAfterMs` without a
 * commit, a frame left to copy back or a segment to merge. Un-copied frames a previous process left
 * wait for the first write, which is when they could start to matter.
 */
export class WalCheckpointer {
  readonly #path: string;
  readonly #options: Required<Omit<WalCheckpointerOptions, 'onLongWal'>>;
  readonly #onLongWal: () => void;
  #worker: Worker | null = null;
  #watch: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(path: string, options: WalCheckpointerOptions = {}) {
    this.#path = path;
    const { onLongWal = () => {}, ...rest } = options;
    this.#options = { intervalMs: 250, idleAfterMs: 30_000, watchIntervalMs: 1000, rewindBytes: 4 * 1024 * 1024, ...rest };
    this.#onLongWal = onLongWal;
    this.#watchWal();
  }

  /** True while the upkeep thread runs. */
  get running(): boolean {
    return this.#worker !== null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = null;
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
  }

  #watchWal(): void {
    const seen = walStamp(this.#path);
    this.#watch = setInterval(() => {
      if (walStamp(this.#path) !== seen) this.#start();
    }, this.#options.watchIntervalMs);
    this.#watch.unref();
  }

  #start(): void {
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = null;
    const { intervalMs, idleAfterMs, rewindBytes } = this.#options;
    const workerData: CheckpointThreadData = { path: this.#path, intervalMs, idleTicks: Math.max(1, Math.ceil(idleAfterMs / intervalMs)), rewindBytes };
    // The function's source, not its module: see runCheckpointThread.
    const source = `(${String(runCheckpointThread)})(require('node:worker_threads').workerData)`;
    const worker = new Worker(source, { eval: true, workerData });
    worker.unref();
    let idle = false;
    worker.on('message', (message: unknown) => {
      if (message === 'idle') idle = true;
      else if (message === 'long-wal' && !this.#closed) this.#onLongWal();
    });
    worker.on('error', () => {
      // Not restarted: the safety-net autocheckpoint of the main connection keeps the WAL bounded without us.
    });
    worker.on('exit', () => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      if (idle && !this.#closed) this.#watchWal();
    });
    this.#worker = worker;
  }
}

/** The WAL file's size and modification time, or '' when there is none. */
function walStamp(path: string): string {
  const stat = statSync(`${path}-wal`, { throwIfNoEntry: false });
  return stat === undefined ? '' : `${stat.size}:${stat.mtimeMs}`;
}
