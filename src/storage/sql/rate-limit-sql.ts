/**
 * `rate_limit_per_s` across every worker process, as one atomic UPDATE (GCRA, the generic cell rate
 * algorithm): an endpoint allowing R requests a second may start one every 1000/R ms, with bursts of up
 * to R. `rate_tat` is when the next request is theoretically due. The statement takes a slot and
 * returns a row, or changes nothing when the burst is used up. `greatest` is the dialect's name for the
 * two-argument maximum (`MAX` in SQLite, `GREATEST` in PostgreSQL).
 */
export function takeRateSlotSql(greatest: string): string {
  return `UPDATE endpoints SET rate_tat = ${greatest}(COALESCE(rate_tat, 0), ?) + ?
          WHERE id = ? AND ${greatest}(COALESCE(rate_tat, 0), ?) - ? <= ?
          RETURNING rate_tat`;
}

/** Parameters of {@link takeRateSlotSql}: now, the interval, the id, now, the burst tolerance, now. */
export function takeRateSlotParams(endpointId: string, perSecond: number, nowMs: number): Array<string | number> {
  const interval = 1000 / perSecond;
  const tolerance = 1000 - interval; // a burst of `perSecond` requests
  return [nowMs, interval, endpointId, nowMs, tolerance, nowMs];
}

/** How long until a slot frees up, given the stored `rate_tat`. */
export function rateWaitMs(rateTat: number, perSecond: number, nowMs: number): number {
  const tolerance = 1000 - 1000 / perSecond;
  return Math.max(1, Math.ceil(rateTat - tolerance - nowMs));
}
