import { Worker } from 'node:worker_threads';
import type { PurgeCounts } from '../storage.ts';
import { StorageFullError, StorageIoError } from '../storage-errors.ts';
import type { PurgeRequest } from './sqlite-purge-thread.ts';

type PurgeReply = { id: number; counts: PurgeCounts } | { id: number; error: { name: string; message: string } };
type Pending = { resolve: (counts: PurgeCounts) => void; reject: (error: Error) => void };

/**
 * Retention batches on a worker thread with its own SQLite connection (sqlite-purge-thread.ts). A batch
 * on the main connection blocked the event loop for its whole length: on a million-entry log, API
 * requests waited up to 0.8 s while a purge ran. The thread starts on the first batch asked for.
 */
export class SqlitePurger {
  readonly #path: string;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #nextId = 1;

  constructor(path: string) {
    this.#path = path;
  }

  purgeBatch(cutoff: number, idempotencyCutoff: number, limit: number): Promise<PurgeCounts> {
    const worker = this.#worker ?? this.#start();
    const request: PurgeRequest = { id: this.#nextId++, cutoff, idempotencyCutoff, limit };
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
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
      if (!pending) return;
      if ('counts' in reply) pending.resolve(reply.counts);
      else pending.reject(toError(reply.error));
    });
    const lost = (error: Error) => {
      if (this.#worker === worker) this.#worker = null; // the next batch starts a new thread
      this.#failAll(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the retention thread stopped (exit code ${code})`)));
    this.#worker = worker;
    return worker;
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
