import type { SqliteDatabase, SqlRow, SqlValue } from './sqlite-database.ts';
import { HOUR_MS, MINUTE_MS, latencyBand } from './sqlite-stats.ts';

// The stats rollups of migrations 006, 011, 012 and 013 (attempt_rollups, attempt_hour_rollups,
// latency_rollups, latency_band_rollups, delivery_rollups, delivery_hour_rollups), kept by the writes
// themselves: a write path tallies what it changed and adds the sums in the same transaction.
// Triggers did this row by row until migration 010: 8 rollup rows written per delivered attempt (~95 µs
// of the ~400 µs of SQLite work per delivery); a batch of 64 outcomes to one endpoint now writes ~10.

/** The attempt's fields the rollups count. */
export interface TalliedAttempt {
  workspaceId: string;
  endpointId: string;
  createdAt: number;
  status: string;
  httpStatus: number | null;
  errorCode: string | null;
  durationMs: number;
}


type Sums = Map<string, { key: SqlValue[]; n: number }>;

/**
 * Sums of rollup changes, written with {@link RollupTally.write} inside the transaction that made them.
 * Every count goes to the endpoint's rows and to the workspace's (`endpoint_id = ''`), as the stats read them.
 * Only the finest grain is summed per change (minute counts, exact latency per hour); the hour counts and
 * latency bands are summed from those sums when written, so they cost nothing per delivery.
 */
export class RollupTally {
  /** (workspace, endpoint, minute, status, http_class, error_code) */
  readonly #attempts: Sums = new Map();
  /** (workspace, endpoint, hour, duration_ms) */
  readonly #latencies: Sums = new Map();
  /** (workspace, endpoint, minute, status) */
  readonly #deliveries: Sums = new Map();

  attempt(attempt: TalliedAttempt): void {
    const minute = Math.floor(attempt.createdAt / MINUTE_MS) * MINUTE_MS;
    const httpClass = Math.trunc((attempt.httpStatus ?? 0) / 100);
    const errorCode = attempt.errorCode ?? '';
    for (const scope of ['', attempt.endpointId]) add(this.#attempts, [attempt.workspaceId, scope, minute, attempt.status, httpClass, errorCode], 1);
    // Attempts that never reached the network say nothing of latency.
    if (errorCode === 'ENDPOINT_DISABLED') return;
    const hour = Math.floor(attempt.createdAt / HOUR_MS) * HOUR_MS;
    for (const scope of ['', attempt.endpointId]) add(this.#latencies, [attempt.workspaceId, scope, hour, attempt.durationMs], 1);
  }

  /** A delivery (its row's workspace_id, endpoint_id, created_at) went from status `from` (null: it is new) to `to`. */
  delivery(delivery: SqlRow, from: string | null, to: string): void {
    if (from === to) return;
    const workspaceId = String(delivery.workspace_id);
    const minute = Math.floor(Number(delivery.created_at) / MINUTE_MS) * MINUTE_MS;
    for (const scope of ['', String(delivery.endpoint_id)]) {
      if (from !== null) add(this.#deliveries, [workspaceId, scope, minute, from], -1);
      add(this.#deliveries, [workspaceId, scope, minute, to], 1);
    }
  }

  /** Adds the sums to the rollup tables (call inside the transaction of the writes tallied) and empties the tally. */
  write(db: SqliteDatabase): void {
    const hourOf = (minute: SqlValue) => Math.floor(Number(minute) / HOUR_MS) * HOUR_MS;
    writeSums(db, coarser(this.#attempts, ([ws, scope, minute, ...rest]) => [ws!, scope!, hourOf(minute!), ...rest]), UPSERT_ATTEMPT_HOURS);
    writeSums(db, this.#attempts, UPSERT_ATTEMPTS);
    writeSums(db, coarser(this.#latencies, ([ws, scope, hour, duration]) => [ws!, scope!, hour!, latencyBand(Number(duration))]), UPSERT_LATENCY_BANDS);
    writeSums(db, this.#latencies, UPSERT_LATENCIES);
    writeSums(db, coarser(this.#deliveries, ([ws, scope, minute, status]) => [ws!, scope!, hourOf(minute!), status!]), UPSERT_DELIVERY_HOURS);
    writeSums(db, this.#deliveries, UPSERT_DELIVERIES);
  }
}

/** The sums again at a coarser grain: `coarse` maps a key to its coarser key. */
function coarser(sums: Sums, coarse: (key: SqlValue[]) => SqlValue[]): Sums {
  const result: Sums = new Map();
  for (const { key, n } of sums.values()) add(result, coarse(key), n);
  return result;
}

const upsert = (table: string, columns: string[]): string =>
  `INSERT INTO ${table} (${columns.join(', ')}, n) VALUES (${[...columns, 'n'].map(() => '?').join(', ')}) ON CONFLICT DO UPDATE SET n = n + excluded.n`;
const UPSERT_ATTEMPTS = upsert('attempt_rollups', ['workspace_id', 'endpoint_id', 'minute', 'status', 'http_class', 'error_code']);
const UPSERT_ATTEMPT_HOURS = upsert('attempt_hour_rollups', ['workspace_id', 'endpoint_id', 'hour', 'status', 'http_class', 'error_code']);
const UPSERT_LATENCIES = upsert('latency_rollups', ['workspace_id', 'endpoint_id', 'hour', 'duration_ms']);
const UPSERT_LATENCY_BANDS = upsert('latency_band_rollups', ['workspace_id', 'endpoint_id', 'hour', 'band_ms']);
const UPSERT_DELIVERIES = upsert('delivery_rollups', ['workspace_id', 'endpoint_id', 'minute', 'status']);
const UPSERT_DELIVERY_HOURS = upsert('delivery_hour_rollups', ['workspace_id', 'endpoint_id', 'hour', 'status']);

/** Upserts each non-zero sum (its key, in the statement's column order, then n), then empties `sums`. */
function writeSums(db: SqliteDatabase, sums: Sums, sql: string): void {
  for (const { key, n } of sums.values()) if (n !== 0) db.run(sql, [...key, n]);
  sums.clear();
}

function add(sums: Sums, key: SqlValue[], n: number): void {
  const id = key.join('\u0000');
  const entry = sums.get(id);
  if (entry) entry.n += n;
  else sums.set(id, { key, n });
}
