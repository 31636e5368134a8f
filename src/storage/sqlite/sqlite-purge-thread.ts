import { parentPort, workerData } from 'node:worker_threads';
import { SqliteDatabase } from './sqlite-database.ts';
import { purgeBatch } from './sqlite-log-maintenance.ts';

// Runs in a worker thread (see sqlite-purger.ts) on a connection of its own: retention's DELETEs,
// which on a large log take tens of milliseconds a batch, never hold Herald's event loop. The main
// connection still reads while a batch runs (WAL), and waits for the write lock at most one batch.

export interface PurgeRequest {
  id: number;
  cutoff: number;
  idempotencyCutoff: number;
  limit: number;
}

const { path } = workerData as { path: string };
const db = new SqliteDatabase(path, { upkeepThread: false });

parentPort?.on('message', (request: PurgeRequest) => {
  try {
    parentPort?.postMessage({ id: request.id, counts: purgeBatch(db, request.cutoff, request.idempotencyCutoff, request.limit) });
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    parentPort?.postMessage({ id: request.id, error: { name, message } });
  }
});
