import { foldStats, statsWindow } from '../sql/attempt-stats.ts';
import type { AttemptStatsRaw, PurgeCounts, StatsQuery } from '../storage.ts';
import type { PostgresDatabase, SqlExecutor } from './postgres-database.ts';
import { NOT_PURGED, advanceLogHorizon } from './postgres-log-horizon.ts';
import type { AttemptPartitions } from './postgres-partitions.ts';

// The log beyond listing: stats, bulk re-queueing and retention.

/** Two grouped scans of the window: counts by bucket × outcome × class × code, and the exact latency distribution. */
export async function attemptStats(db: SqlExecutor, query: StatsQuery): Promise<AttemptStatsRaw> {
  const { sql: window, params } = statsWindow(query);
  const deliveries = await db.all(`SELECT status, COUNT(*) AS n FROM deliveries WHERE ${window} GROUP BY status`, params);
  const groups = await db.all(
    `SELECT (created_at - ?::bigint) / ?::bigint AS bucket, status, http_status / 100 AS class, error_code, COUNT(*) AS n
     FROM attempts WHERE ${window} AND ${NOT_PURGED} GROUP BY 1, 2, 3, 4`,
    [query.since, query.bucketMs, ...params],
  );
  const durations = await db.all(
    `SELECT duration_ms, COUNT(*) AS n FROM attempts
     WHERE ${window} AND ${NOT_PURGED} AND (error_code IS NULL OR error_code <> 'ENDPOINT_DISABLED')
     GROUP BY duration_ms ORDER BY duration_ms`,
    params,
  );
  return foldStats(query, deliveries, groups, durations);
}

/** Queues a manual attempt of each delivery now, or right after the attempt in flight; returns how many exist. */
export async function requestRetries(db: SqlExecutor, workspaceId: string, deliveryIds: string[], nowMs: number): Promise<number> {
  if (deliveryIds.length === 0) return 0;
  return db.run(
    `UPDATE deliveries SET
       retry_requested = CASE WHEN status = 'delivering' THEN true ELSE retry_requested END,
       run_at = CASE WHEN status = 'delivering' THEN run_at ELSE ?::bigint END,
       next_trigger = CASE WHEN status = 'delivering' THEN next_trigger ELSE 'manual' END,
       status = CASE WHEN status = 'delivering' THEN status ELSE 'queued' END
     WHERE id = ANY(?::text[]) AND workspace_id = ?`,
    [nowMs, deliveryIds, workspaceId],
  );
}

/** Re-queues one batch of an endpoint's `failed_permanent` deliveries created in [since, until). */
export async function requeueFailedDeliveries(
  db: SqlExecutor,
  workspaceId: string,
  endpointId: string,
  since: number,
  until: number,
  limit: number,
  nowMs: number,
): Promise<number> {
  return db.run(
    `UPDATE deliveries SET status = 'queued', run_at = ?, next_trigger = 'manual'
     WHERE status = 'failed_permanent' AND id IN (
       SELECT id FROM deliveries
       WHERE workspace_id = ? AND endpoint_id = ? AND created_at >= ? AND created_at < ? AND status = 'failed_permanent'
       LIMIT ?)`,
    [nowMs, workspaceId, endpointId, since, until, limit],
  );
}

/**
 * One retention batch. The log: the horizon moves to `cutoff`, which purges every older entry at
 * once as far as any reader can tell (`attempts` counts them); then the day partitions wholly
 * before the horizon are dropped, and up to `limit` rows of the DEFAULT partition deleted. Then,
 * at most `limit` rows each, oldest first: finished deliveries, events left with no delivery, and
 * expired idempotency keys. Unfinished deliveries are never removed.
 */
export async function purgeBatch(db: PostgresDatabase, partitions: AttemptPartitions, cutoff: number, idempotencyCutoff: number, limit: number): Promise<PurgeCounts> {
  const { horizon, purged } = await advanceLogHorizon(db, cutoff);
  await partitions.dropBefore(horizon);
  return db.transaction(async (tx) => {
    await tx.run(
      `WITH gone AS (
         DELETE FROM attempts_default WHERE ctid IN (SELECT ctid FROM attempts_default WHERE created_at < ? ORDER BY created_at LIMIT ?)
         RETURNING id, created_at
       )
       DELETE FROM attempt_details d USING gone WHERE d.attempt_id = gone.id AND d.created_at = gone.created_at`,
      [horizon, limit],
    );
    const deliveries = await tx.run(
      `DELETE FROM deliveries WHERE id IN (
         SELECT id FROM deliveries WHERE created_at < ? AND status IN ('succeeded', 'failed_permanent') ORDER BY created_at LIMIT ?)
       AND status IN ('succeeded', 'failed_permanent')`,
      [cutoff, limit],
    );
    const events = Number(
      (
        await tx.get(
          `WITH gone AS (
             DELETE FROM events WHERE id IN (
               SELECT id FROM events e
               WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
               ORDER BY created_at LIMIT ?)
             RETURNING id, workspace_id
           ), tags AS (
             DELETE FROM event_tags t USING gone WHERE t.workspace_id = gone.workspace_id AND t.event_id = gone.id
           )
           SELECT COUNT(*) AS n FROM gone`,
          [cutoff, limit],
        )
      )?.n ?? 0,
    );
    const idempotencyKeys = await tx.run(
      `DELETE FROM idempotency_keys WHERE (workspace_id, key) IN (
         SELECT workspace_id, key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
      [idempotencyCutoff, limit],
    );
    return { attempts: purged, deliveries, events, idempotencyKeys };
  });
}
