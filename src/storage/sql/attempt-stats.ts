import type { AttemptStatsRaw, StatsQuery } from '../storage.ts';

// The part of `/stats` that is the same for every SQL backend: the window's WHERE, and folding the
// grouped rows into AttemptStatsRaw. Each backend writes its own bucket arithmetic and runs the queries.

type Row = Record<string, unknown>;

/** `workspace_id = ? [AND endpoint_id = ?] AND created_at >= ? AND created_at < ?` and its parameters. */
export function statsWindow(query: StatsQuery): { sql: string; params: Array<string | number> } {
  const scope = query.endpointId === undefined ? 'workspace_id = ?' : 'workspace_id = ? AND endpoint_id = ?';
  const scopeParams = query.endpointId === undefined ? [query.workspaceId] : [query.workspaceId, query.endpointId];
  return { sql: `${scope} AND created_at >= ? AND created_at < ?`, params: [...scopeParams, query.since, query.until] };
}

/**
 * Folds the three grouped results: deliveries by status; attempts by (bucket, status, class, error_code);
 * attempts by duration_ms (sorted).
 */
export function foldStats(query: StatsQuery, deliveryRows: Row[], groupRows: Row[], durationRows: Row[]): AttemptStatsRaw {
  return foldStatsParts(query, { deliveryRows, seriesRows: groupRows, outcomeRows: groupRows, durationRows });
}

/**
 * Folds grouped results that were read apart: deliveries by status (`status, n`); attempts by bucket
 * and outcome for the series (`bucket, status, n`); attempts by HTTP status class and error code
 * (`class, error_code, n`); attempts by duration_ms (sorted). Rows may repeat a group: they are summed.
 */
export function foldStatsParts(
  query: StatsQuery,
  parts: { deliveryRows: Row[]; seriesRows: Row[]; outcomeRows: Row[]; durationRows: Row[] },
): AttemptStatsRaw {
  const deliveriesByStatus: Record<string, number> = {};
  for (const row of parts.deliveryRows) deliveriesByStatus[String(row.status)] = (deliveriesByStatus[String(row.status)] ?? 0) + Number(row.n);

  const byStatusClass: Record<string, number> = {};
  const byErrorCode: Record<string, number> = {};
  for (const row of parts.outcomeRows) {
    const n = Number(row.n);
    const klass = Number(row.class) === 0 ? 'none' : `${Number(row.class)}xx`;
    byStatusClass[klass] = (byStatusClass[klass] ?? 0) + n;
    if (row.error_code !== null && row.error_code !== undefined) byErrorCode[String(row.error_code)] = (byErrorCode[String(row.error_code)] ?? 0) + n;
  }

  const buckets = new Map<number, { succeeded: number; failed: number }>();
  for (const row of parts.seriesRows) {
    const n = Number(row.n);
    const bucket = Math.floor(Number(row.bucket));
    const counts = buckets.get(bucket) ?? { succeeded: 0, failed: 0 };
    if (row.status === 'succeeded') counts.succeeded += n;
    else counts.failed += n;
    buckets.set(bucket, counts);
  }

  const durations = parts.durationRows.map((row) => ({ durationMs: Number(row.duration_ms), count: Number(row.n) }));
  const series = [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, counts]) => ({ bucketStart: query.since + bucket * query.bucketMs, ...counts }));
  return { deliveriesByStatus, durations, byStatusClass, byErrorCode, series };
}
