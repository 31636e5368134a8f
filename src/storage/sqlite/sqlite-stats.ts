import { LATENCY_PERCENTILES, percentileRank } from '../../domain/percentile.ts';
import type { AttemptFilters, AttemptStatsRaw, StatsQuery } from '../storage.ts';
import { foldStatsParts, statsWindow } from '../sql/attempt-stats.ts';
import type { SqliteDatabase, SqlRow } from './sqlite-database.ts';

// `/stats` on SQLite. The rollup tables (migrations 006, 011, 012, 013; kept exact by the write paths)
// answer the whole hours and minutes of a window; the log itself answers only the edges, so a 24 h
// window reads ~2,000 rollup rows instead of every attempt in it.

/** The grains of the rollup tables: counts per minute and per hour, latency per hour. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

type Span = { from: number; to: number };

/**
 * Counts by delivery status, attempts by bucket × outcome and by class × code, and the exact latency
 * percentiles of `[since, until)`. Counts come from the hour rollups for the window's whole hours, the
 * minute rollups for the whole minutes around them, and the log for the rest. The series' buckets start
 * at `since`, so the minute rollups can answer them only when `since` and the bucket are whole minutes;
 * other windows read the log for every count.
 */
export function attemptStats(db: SqliteDatabase, query: StatsQuery): AttemptStatsRaw {
  const scope = query.endpointId ?? '';
  const window: Span = { from: query.since, to: query.until };
  const minuteAligned = query.since % MINUTE_MS === 0 && query.bucketMs % MINUTE_MS === 0;
  const minutes = minuteAligned ? wholeUnits(window, MINUTE_MS) : null;
  const hours = wholeUnits(window, HOUR_MS); // hour boundaries are minute boundaries: the whole minutes hold them
  const countHours = minutes ? hours : null;
  const rollup = (sql: string, unit: Span) => db.all(sql, [query.workspaceId, scope, unit.from, unit.to]);

  const deliveryRows: SqlRow[] = [];
  const seriesRows: SqlRow[] = [];
  const outcomeRows: SqlRow[] = [];
  if (countHours) {
    deliveryRows.push(...rollup(`SELECT status, SUM(n) AS n FROM delivery_hour_rollups ${IN_HOURS} GROUP BY status`, countHours));
    outcomeRows.push(...rollup(`SELECT ${OUTCOME_COLUMNS} FROM attempt_hour_rollups ${IN_HOURS} GROUP BY class, error_code`, countHours));
  }
  if (minutes) {
    for (const span of edges(minutes, countHours)) {
      deliveryRows.push(...rollup(`SELECT status, SUM(n) AS n FROM delivery_rollups ${IN_MINUTES} GROUP BY status`, span));
      outcomeRows.push(...rollup(`SELECT ${OUTCOME_COLUMNS} FROM attempt_rollups ${IN_MINUTES} GROUP BY class, error_code`, span));
    }
    // Grouped by minute, the primary key's order, the rows stream without a sort (grouped by bucket they
    // took twice as long); the minutes are then summed into buckets here.
    for (const row of rollup(
      `SELECT minute, SUM(CASE status WHEN 'succeeded' THEN n ELSE 0 END) AS succeeded, SUM(n) AS n
       FROM attempt_rollups ${IN_MINUTES} GROUP BY minute`,
      minutes,
    )) {
      const bucket = Math.floor((Number(row.minute) - query.since) / query.bucketMs);
      seriesRows.push({ bucket, status: 'succeeded', n: Number(row.succeeded) }, { bucket, status: 'failed', n: Number(row.n) - Number(row.succeeded) });
    }
  }
  for (const span of edges(window, minutes)) {
    deliveryRows.push(...rawDeliveries(db, query, span));
    const groups = rawGroups(db, query, span);
    seriesRows.push(...groups);
    outcomeRows.push(...groups);
  }

  const durationRows = hours ? latencyFromBands(db, query, window, hours) : exactDurations(db, query, window);
  return foldStatsParts(query, { deliveryRows, seriesRows, outcomeRows, durationRows });
}

/** The scope and unit range of a rollup read. */
const IN_HOURS = 'WHERE workspace_id = ? AND endpoint_id = ? AND hour >= ? AND hour < ?';
const IN_MINUTES = 'WHERE workspace_id = ? AND endpoint_id = ? AND minute >= ? AND minute < ?';
const OUTCOME_COLUMNS = "http_class AS class, NULLIF(error_code, '') AS error_code, SUM(n) AS n";

/**
 * The latency band of a duration, named by its lowest value: every ms below 16 is a band of its own;
 * above, each power of two is cut in four (16–19, 20–23, 24–27, 28–31, 32–39, …, 1024–1279, …), so a
 * band is at most a quarter of its values wide. Migration 012 computes the same in SQL. For whole ms
 * below 2^31 (24 days; attempt durations are whole ms and end at the endpoint's timeout).
 */
export function latencyBand(durationMs: number): number {
  return durationMs < 16 ? durationMs : durationMs - (durationMs % bandWidth(durationMs));
}

/** How many whole ms the band holding `durationMs` spans. */
function bandWidth(durationMs: number): number {
  return durationMs < 16 ? 1 : 2 ** (31 - Math.clz32(durationMs) - 2);
}

/**
 * The latency distribution of the window, exact at the rank of every reported percentile. Each band's
 * count comes from the band rollups of the hours read and the log's exact durations at the window's
 * ends; the bands that hold a percentile's rank (three or four of ~30 an hour) are then read exactly
 * from the hour rollups, and every other band is one entry at its lowest value. Cumulative counts are
 * kept, so the nearest rank lands on the same value as in the full distribution.
 *
 * A partial hour at an end of the window is read from the log, or, when the part of that hour outside
 * the window holds fewer attempts, as the whole hour's rollups minus that part (read from the log): the
 * last 24 h up to now then reads at most half an hour of the log instead of a whole one.
 */
function latencyFromBands(db: SqliteDatabase, query: StatsQuery, window: Span, whole: Span): SqlRow[] {
  const scope = query.endpointId ?? '';
  const hours = { ...whole };
  const logged: Array<{ span: Span; sign: 1 | -1 }> = [];
  const ends = [
    { hour: whole.from - HOUR_MS, inside: { from: window.from, to: whole.from }, outside: { from: whole.from - HOUR_MS, to: window.from } },
    { hour: whole.to, inside: { from: whole.to, to: window.to }, outside: { from: window.to, to: whole.to + HOUR_MS } },
  ];
  for (const { hour, inside, outside } of ends) {
    if (inside.from >= inside.to) continue;
    if (attemptsAbout(db, query, outside) < attemptsAbout(db, query, inside) && hourFullyKept(db, query, hour)) {
      hours.from = Math.min(hours.from, hour);
      hours.to = Math.max(hours.to, hour + HOUR_MS);
      logged.push({ span: outside, sign: -1 });
    } else {
      logged.push({ span: inside, sign: 1 });
    }
  }
  const edgeRows: Array<{ durationMs: number; n: number }> = [];
  for (const { span, sign } of logged) {
    for (const row of rawDurations(db, query, span)) edgeRows.push({ durationMs: Number(row.duration_ms), n: sign * Number(row.n) });
  }

  const bands = new Map<number, number>();
  const addToBand = (band: number, n: number) => bands.set(band, (bands.get(band) ?? 0) + n);
  for (const row of db.all(
    `SELECT band_ms, SUM(n) AS n FROM latency_band_rollups ${IN_HOURS} GROUP BY band_ms`,
    [query.workspaceId, scope, hours.from, hours.to],
  )) addToBand(Number(row.band_ms), Number(row.n));
  for (const { durationMs, n } of edgeRows) addToBand(latencyBand(durationMs), n);

  const sorted = [...bands.entries()].filter(([, n]) => n !== 0).sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  const ranks = LATENCY_PERCENTILES.map((p) => percentileRank(p, total));
  const rows: SqlRow[] = [];
  let seen = 0;
  for (const [band, n] of sorted) {
    const holdsRank = ranks.some((rank) => rank > seen && rank <= seen + n);
    seen += n;
    if (!holdsRank) {
      rows.push({ duration_ms: band, n });
      continue;
    }
    const exact = new Map<number, number>();
    const addExact = (duration: number, count: number) => exact.set(duration, (exact.get(duration) ?? 0) + count);
    // One seek per hour (the hours come from a recursive CTE), then a range of durations.
    // CROSS JOIN keeps the hours outside: otherwise the planner reads the scope's rows of every hour kept.
    // INDEXED BY names the primary key (SQLite's name for it), which holds n: the planner took the
    // hour index and looked each row up again (for a busy band, 1.95 → 0.84 ms).
    for (const row of db.all(
      `WITH RECURSIVE hours(hour) AS (
         SELECT CAST(? AS INTEGER) UNION ALL SELECT hour + ${HOUR_MS} FROM hours WHERE hour + ${HOUR_MS} < CAST(? AS INTEGER))
       SELECT r.duration_ms, r.n FROM hours CROSS JOIN latency_rollups r INDEXED BY sqlite_autoindex_latency_rollups_1
         ON r.workspace_id = ? AND r.endpoint_id = ? AND r.hour = hours.hour AND r.duration_ms >= ? AND r.duration_ms < ?`,
      [hours.from, hours.to, query.workspaceId, scope, band, band + bandWidth(band)],
    )) addExact(Number(row.duration_ms), Number(row.n));
    for (const { durationMs, n: count } of edgeRows) if (latencyBand(durationMs) === band) addExact(durationMs, count);
    for (const [duration_ms, count] of [...exact.entries()].sort(([a], [b]) => a - b)) if (count !== 0) rows.push({ duration_ms, n: count });
  }
  return rows;
}

/** About how many attempts of the scope started in `span`: its minutes' rollups, partial minutes whole. */
function attemptsAbout(db: SqliteDatabase, query: StatsQuery, span: Span): number {
  const from = Math.floor(span.from / MINUTE_MS) * MINUTE_MS;
  return Number(db.get(
    `SELECT COALESCE(SUM(n), 0) AS n FROM attempt_rollups ${IN_MINUTES}`,
    [query.workspaceId, query.endpointId ?? '', from, span.to],
  )?.n ?? 0);
}

/**
 * Whether the log still holds every attempt of the scope in the hour starting at `hour`, so that its
 * rollups minus the log's part of it is exact. Retention deletes each workspace's oldest entries first:
 * an older entry of the scope still there means none of that hour is gone.
 */
function hourFullyKept(db: SqliteDatabase, query: StatsQuery, hour: number): boolean {
  const { sql: window, params } = statsWindow(spanQuery(query, { from: 0, to: hour }));
  return db.get(`SELECT 1 AS kept FROM attempts WHERE ${window} LIMIT 1`, params) !== undefined;
}

/** The exact durations of the log's attempts in `span`, sorted. */
function exactDurations(db: SqliteDatabase, query: StatsQuery, span: Span): SqlRow[] {
  return rawDurations(db, query, span).sort((a, b) => Number(a.duration_ms) - Number(b.duration_ms));
}

/** The whole `unit`s inside the window (an endless one: up to Infinity), or null when there are none. */
function wholeUnits(window: Span, unit: number): Span | null {
  const from = Math.ceil(window.from / unit) * unit;
  const to = Math.floor(window.to / unit) * unit;
  return from < to ? { from, to } : null;
}

/** The parts of the window the rollups do not cover (the whole window when they cover nothing). */
function edges(window: Span, covered: Span | null): Span[] {
  if (!covered) return [window];
  return [{ from: window.from, to: covered.from }, { from: covered.to, to: window.to }].filter((span) => span.from < span.to);
}

function spanQuery(query: StatsQuery, span: Span): StatsQuery {
  return { ...query, since: span.from, until: span.to };
}

function rawDeliveries(db: SqliteDatabase, query: StatsQuery, span: Span): SqlRow[] {
  const { sql: window, params } = statsWindow(spanQuery(query, span));
  // Naming every status lets the planner read the covering (workspace, status, created_at) index.
  const everyStatus = `status IN ('queued', 'delivering', 'succeeded', 'pending_retry', 'failed_permanent')`;
  return db.all(`SELECT status, COUNT(*) AS n FROM deliveries WHERE ${window} AND ${everyStatus} GROUP BY status`, params);
}

function rawGroups(db: SqliteDatabase, query: StatsQuery, span: Span): SqlRow[] {
  const { sql: window, params } = statsWindow(spanQuery(query, span));
  // CAST: node:sqlite binds JS numbers as REAL, and a REAL division made one group per entry.
  return db.all(
    `SELECT (created_at - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS bucket, status, http_status / 100 AS class, error_code, COUNT(*) AS n
     FROM attempts WHERE ${window} GROUP BY bucket, status, class, error_code`,
    [query.since, query.bucketMs, ...params],
  );
}

function rawDurations(db: SqliteDatabase, query: StatsQuery, span: Span): SqlRow[] {
  const { sql: window, params } = statsWindow(spanQuery(query, span));
  return db.all(
    `SELECT duration_ms, COUNT(*) AS n FROM attempts
     WHERE ${window} AND (error_code IS NULL OR error_code <> 'ENDPOINT_DISABLED') GROUP BY duration_ms`,
    params,
  );
}

/** Filters the attempt rollups can count: scope, outcome and time; anything else needs the log. */
const ROLLUP_COUNTABLE = new Set(['workspaceId', 'endpointId', 'status', 'startTime', 'endTime']);

/**
 * `count=true` of a log list from the rollups when its filters are only scope, status and time: the
 * whole hours from the hour rollups, the whole minutes around them from the minute rollups, the rest
 * from the log (`countLog`). A workspace's whole log is counted in about a millisecond instead of a
 * scan of every entry. Null when the filters need the log.
 *
 * Retention deletes each workspace's entries oldest first but rollups only by whole expired units, so
 * the unit that holds the workspace's oldest entry left may still count entries already gone: the count
 * starts at that entry, and its unit is read from the log.
 */
export function countAttemptsFromRollups(
  db: SqliteDatabase,
  filters: AttemptFilters,
  countLog: (filters: AttemptFilters) => number,
): number | null {
  const keys = Object.entries(filters).filter(([, value]) => value !== undefined).map(([key]) => key);
  if (!keys.every((key) => ROLLUP_COUNTABLE.has(key))) return null;
  const oldestRow = db.get('SELECT MIN(created_at) AS t FROM attempts WHERE workspace_id = ?', [filters.workspaceId]);
  if (oldestRow?.t === null || oldestRow?.t === undefined) return 0;
  const oldest = Number(oldestRow.t);
  const window: Span = { from: Math.max(filters.startTime ?? oldest, oldest), to: filters.endTime ?? Infinity };
  if (window.from >= window.to) return 0;
  // Whole units start after the oldest entry's own unit when the count starts there (a unit that starts
  // at that very entry may still count an entry of the same millisecond already gone).
  const unitsOf: Span = window.from === oldest ? { from: oldest + 1, to: window.to } : window;
  const minutes = wholeUnits(unitsOf, MINUTE_MS);
  const hours = minutes && wholeUnits(unitsOf, HOUR_MS);

  const scope = { workspaceId: filters.workspaceId, endpointId: filters.endpointId, status: filters.status };
  const log = ({ from, to }: Span) => countLog({ ...scope, startTime: from, ...(to === Infinity ? {} : { endTime: to }) });
  const rollup = (table: string, unit: string, { from, to }: Span): number => {
    const where = ['workspace_id = ?', 'endpoint_id = ?', `${unit} >= ?`];
    const params: Array<string | number> = [filters.workspaceId, filters.endpointId ?? '', from];
    if (to !== Infinity) (where.push(`${unit} < ?`), params.push(to));
    if (filters.status !== undefined) (where.push('status = ?'), params.push(filters.status));
    return Number(db.get(`SELECT COALESCE(SUM(n), 0) AS n FROM ${table} WHERE ${where.join(' AND ')}`, params)?.n ?? 0);
  };
  let total = edges(window, minutes).reduce((sum, span) => sum + log(span), 0);
  if (minutes) total += edges(minutes, hours).reduce((sum, span) => sum + rollup('attempt_rollups', 'minute', span), 0);
  if (hours) total += rollup('attempt_hour_rollups', 'hour', hours);
  return total;
}
