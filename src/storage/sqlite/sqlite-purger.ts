import { Worker } from 'node:worker_threads';
import type { PurgeCounts } from '../storage.ts';
import { StorageFullError, StorageIoError } from '../storage-errors.ts';
import type { PurgeRequest } from './sqlite-purge-thread.ts';

type PurgeReply = { id: number; counts: PurgeCounts } | { id: number; error: { name: string; message: string } };
type Pending = { resolve: (counts: PurgeCounts) => void; reject: (error: Error) => void };

/**
 * Retention batches on a worker thread with its own SQLite connection (sqlite-purge-thread.ts). A batch
 * on the main connection blocked the event loop for its whole length: on a million-entry log, API
 * requests waited up to 0.8 s while a purge ran. The thread starts on the first batch asked for, and
 * ends `idleAfterMs` (default 5 s) after the last one answered: a purge asks for a batch every ~10 ms
 * while it runs, and runs once an hour by default, so the thread (a V8 isolate, ~25 MB resident) is
 * not kept for the hour between.
 */
export class SqlitePurger {
  readonly #path: string;
  readonly #idleAfterMs: number;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #nextId = 1;

  constructor(path: string, { idleAfterMs = 5_000 }: { idleAfterMs?: number } = {}) {
    this.#path = path;
    this.#idleAfterMs = idleAfterMs;
  }

  /** True while the retention thread runs. */
  get running(): boolean {
    return this.#worker !== null;
  }

  purgeBatch(cutoff: number, idempotencyCutoff: number, limit: number): Promise<PurgeCounts> {
    this.#clearIdleTimer();
    const worker = this.#worker ?? this.#start();
    const request: PurgeRequest = { id: this.#nextId++, cutoff, idempotencyCutoff, limit };
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.#clearIdleTimer();
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
    this.#failAll(new Error('the storage was closed during a retention batch'));
  }

  #start(): Worker {
    const worker = new Worker(new URL('./sqlite-purge-thread.ts', import.meta.url), { workerData: { path: this.#path } });
    worker.unref();
    worker.on('message', (reply: PurgeReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#stopWhenIdle(worker);
      if (!pending) return;
      if ('counts' in reply) pending.resolve(reply.counts);
      else pending.reject(toError(reply.error));
    });
    const lost = (error: Error) => {
      // A thread ended on purpose (idle, or closed) is no longer this.#worker, and took no batch with it.
      if (this.#worker !== worker) return;
      this.#worker = null; // the next batch starts a new thread
      this.#failAll(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the retention thread stopped (exit code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  /** Ends `worker` unless another batch is asked for within `idleAfterMs`. */
  #stopWhenIdle(worker: Worker): void {
    this.#clearIdleTimer();
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#worker !== worker || this.#pending.size > 0) return;
      this.#worker = null;
      void worker.terminate();
    }, this.#idleAfterMs);
    this.#idleTimer.unref();
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** The thread's error as the storage error it was, so callers see the same kinds as on the main connection. */
function toError({ name, message }: { name: string; message: string }): Error {
  if (name === 'StorageFullError') return new StorageFullError(message);
  if (name === 'StorageIoError') return new StorageIoError(message);
  return Object.assign(new Error(message), { name });
}
