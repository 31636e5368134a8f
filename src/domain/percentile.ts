/** The latency percentiles `/stats` reports: p50, p95, p99 and the maximum (p100). */
export const LATENCY_PERCENTILES = [50, 95, 99, 100] as const;

/** The 1-based rank of the nearest-rank percentile `p` of `total` values: `ceil(p/100 · N)`, at least 1. */
export function percentileRank(p: number, total: number): number {
  // p · N first: for a whole p that product is exact, so a rank such as 7 is not lifted to 8 by 0.07 · 100.
  return Math.max(1, Math.ceil((p * total) / 100));
}

/**
 * The nearest-rank percentile of a distribution given as `{durationMs, count}` pairs sorted by
 * `durationMs`: with N values in all, the value at rank `ceil(p/100 · N)` (1-based, at least 1) of
 * the sorted values. It is always one of the values (never interpolated); p100 is the maximum and
 * p0 the minimum. Exact, however the values repeat. Returns null when N is 0.
 */
export function percentile(sorted: ReadonlyArray<{ durationMs: number; count: number }>, p: number): number | null {
  const total = sorted.reduce((sum, entry) => sum + entry.count, 0);
  if (total === 0) return null;
  const rank = percentileRank(p, total);
  let seen = 0;
  for (const entry of sorted) {
    seen += entry.count;
    if (seen >= rank) return entry.durationMs;
  }
  return sorted.at(-1)?.durationMs ?? null;
}
