import type { PurgeCounts, StreamedAttempt } from '../storage.ts';
import { RollupTally } from './sqlite-rollup-tally.ts';
import { statusesOf } from './sqlite-delivery-queue.ts';
import type { SqliteDatabase } from './sqlite-database.ts';
import { ATTEMPT_COLUMNS, toAttempt } from './sqlite-rows.ts';
import { HOUR_MS, MINUTE_MS } from './sqlite-stats.ts';

// The log beyond listing: the live tail's feed, stats, bulk re-queueing and retention.

/** Log entries after `afterSeq` (the attempts rowid, which grows with every insert), oldest first. */
export function streamAttempts(db: SqliteDatabase, afterSeq: number, limit: number): StreamedAttempt[] {
  return db
    .all(`SELECT rowid AS seq, ${ATTEMPT_COLUMNS} FROM attempts WHERE rowid > ? ORDER BY rowid LIMIT ?`, [afterSeq, limit])
    .map((row) => ({ seq: Number(row.seq), attempt: toAttempt(row) }));
}

export function latestAttemptSeq(db: SqliteDatabase): number {
  return Number(db.get('SELECT MAX(rowid) AS seq FROM attempts')?.seq ?? 0);
}

/** The stats rollup tables: name, time column, primary key. */
const ROLLUPS = [
  ['attempt_rollups', 'minute', 'workspace_id, endpoint_id, minute, status, http_class, error_code'],
  ['attempt_hour_rollups', 'hour', 'workspace_id, endpoint_id, hour, status, http_class, error_code'],
  ['latency_rollups', 'hour', 'workspace_id, endpoint_id, hour, duration_ms'],
  ['latency_band_rollups', 'hour', 'workspace_id, endpoint_id, hour, band_ms'],
  ['delivery_rollups', 'minute', 'workspace_id, endpoint_id, minute, status'],
  ['delivery_hour_rollups', 'hour', 'workspace_id, endpoint_id, hour, status'],
] as const;

/** Queues a manual attempt of each delivery now, or right after the attempt in flight. */
export function requestRetries(db: SqliteDatabase, workspaceId: string, deliveryIds: string[], nowMs: number): number {
  return db.transaction(() => {
    let queued = 0;
    const tally = new RollupTally();
    const before = statusesOf(db, deliveryIds);
    for (const id of deliveryIds) {
      const row = db.get(
        `UPDATE deliveries SET
           retry_requested = CASE WHEN status = 'delivering' THEN 1 ELSE retry_requested END,
           run_at = CASE WHEN status = 'delivering' THEN run_at ELSE ? END,
           next_trigger = CASE WHEN status = 'delivering' THEN next_trigger ELSE 'manual' END,
           status = CASE WHEN status = 'delivering' THEN status ELSE 'queued' END
         WHERE id = ? AND workspace_id = ?
         RETURNING status, workspace_id, endpoint_id, created_at`,
        [nowMs, id, workspaceId],
      );
      if (!row) continue;
      queued += 1;
      tally.delivery(row, before.get(id) ?? null, String(row.status));
      before.set(id, String(row.status));
    }
    tally.write(db);
    return queued;
  });
}

/** Re-queues one batch of an endpoint's `failed_permanent` deliveries created in [since, until). */
export function requeueFailedDeliveries(
  db: SqliteDatabase,
  workspaceId: string,
  endpointId: string,
  since: number,
  until: number,
  limit: number,
  nowMs: number,
): number {
  return db.transaction(() => {
    const rows = db.all(
      `UPDATE deliveries SET status = 'queued', run_at = ?, next_trigger = 'manual'
       WHERE rowid IN (
         SELECT rowid FROM deliveries
         WHERE workspace_id = ? AND endpoint_id = ? AND created_at >= ? AND created_at < ? AND status = 'failed_permanent'
         LIMIT ?)
       RETURNING workspace_id, endpoint_id, created_at`,
      [nowMs, workspaceId, endpointId, since, until, limit],
    );
    const tally = new RollupTally();
    for (const row of rows) tally.delivery(row, 'failed_permanent', 'queued');
    tally.write(db);
    return rows.length;
  });
}

/**
 * The rows of `table` created before the cutoff (the first parameter), workspace by workspace and each
 * workspace's oldest first, through the table's (workspace_id, created_at, id) index (migration 014):
 * the nested loop yields them in that order, so the ORDER BY costs no sort.
 */
const expiredByWorkspace = (table: string, index: string, columns: string, where = ''): string =>
  `SELECT ${columns} FROM workspaces w CROSS JOIN ${table} t INDEXED BY ${index}
   WHERE t.workspace_id = w.id AND t.created_at < ? ${where}
   ORDER BY w.rowid, t.created_at, t.id`;

/**
 * One retention batch, each part at most `limit` rows, each workspace's oldest first: log entries (with
 * their details and search rows), finished deliveries, events left with no delivery, and expired
 * idempotency keys. Unfinished deliveries are never removed.
 */
export function purgeBatch(db: SqliteDatabase, cutoff: number, idempotencyCutoff: number, limit: number): PurgeCounts {
  return db.transaction(() => {
    const attempts = db.all(`${expiredByWorkspace('attempts', 'attempts_by_workspace', 't.rowid AS seq, t.id')} LIMIT ?`, [cutoff, limit]);
    for (const row of attempts) {
      db.run('DELETE FROM attempt_details WHERE attempt_id = ?', [row.id ?? null]);
      db.run('DELETE FROM attempts_search WHERE rowid = ?', [row.seq ?? null]);
      db.run('DELETE FROM attempts WHERE rowid = ?', [row.seq ?? null]);
    }
    const deliveries = db.run(
      `DELETE FROM deliveries WHERE rowid IN (
         ${expiredByWorkspace('deliveries', 'deliveries_by_workspace', 't.rowid', "AND t.status IN ('succeeded', 'failed_permanent')")} LIMIT ?)`,
      [cutoff, limit],
    );
    // Only the first 10 × limit expired events (each workspace's oldest first) are looked at: scanning every expired event
    // that still has deliveries, batch after batch, made the purge quadratic (~150 ms a batch on a
    // million entries). An old event whose delivery never finishes holds back at most 10 × limit others.
    const events = db.all(
      `SELECT id, workspace_id, tags FROM (${expiredByWorkspace('events', 'events_by_workspace', 't.id, t.workspace_id, t.tags')} LIMIT ?) e
       WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
       LIMIT ?`,
      [cutoff, limit * 10, limit],
    );
    for (const event of events) {
      // By the whole primary key, one per tag (the event's own list): (workspace_id, event_id) alone
      // would scan every tag of the workspace for each event purged.
      db.run(
        'DELETE FROM event_tags WHERE workspace_id = ?1 AND event_id = ?2 AND (key, value) IN (SELECT key, value FROM json_each(?3))',
        [event.workspace_id ?? null, event.id ?? null, event.tags ?? '{}'],
      );
      db.run('DELETE FROM events WHERE id = ?', [event.id ?? null]);
    }
    const idempotencyKeys = db.run(
      `DELETE FROM idempotency_keys WHERE (workspace_id, key) IN (
         SELECT workspace_id, key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
      [idempotencyCutoff, limit],
    );
    // Rollups (migration 006) go by whole expired minutes and hours; nothing counts down when a row goes.
    // There are fewer than one of each per log entry (a million entries: 0.3, 0.6 and 0.2), so 20 × limit
    // keeps pace with the log and the purge's end condition need not count them.
    for (const [table, unit, key] of ROLLUPS) {
      db.run(
        `DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} WHERE ${unit} <= ? ORDER BY ${unit} LIMIT ?)`,
        [cutoff - (unit === 'hour' ? HOUR_MS : MINUTE_MS), limit * 20],
      );
    }
    return { attempts: attempts.length, deliveries, events: events.length, idempotencyKeys };
  });
}
