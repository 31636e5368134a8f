import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { generateLog, type GeneratedLog } from '../../bench/generate-log.ts';
import { LATENCY_PERCENTILES, percentile } from '../../src/domain/percentile.ts';
import { foldStats } from '../../src/storage/sql/attempt-stats.ts';
import { latencyBand } from '../../src/storage/sqlite/sqlite-stats.ts';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { outcomeFor } from './fixtures.ts';
import type { AttemptStatsRaw, StatsQuery } from '../../src/storage/storage.ts';

// The rollups of migration 006 (kept by the write paths since migration 010: sqlite-rollup-tally.ts) must give the same answers as the log itself, for any window, after
// any status change. The oracle groups the raw tables the way /stats did before rollups existed.

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** /stats straight from the log: every attempt and delivery in the window, grouped. */
function oracle(db: DatabaseSync, query: StatsQuery): AttemptStatsRaw {
  const scope = query.endpointId === undefined ? 'workspace_id = ?' : 'workspace_id = ? AND endpoint_id = ?';
  const params = [query.workspaceId, ...(query.endpointId === undefined ? [] : [query.endpointId]), query.since, query.until];
  const where = `${scope} AND created_at >= ? AND created_at < ?`;
  const deliveries = db.prepare(`SELECT status, COUNT(*) AS n FROM deliveries WHERE ${where} GROUP BY status`).all(...params);
  const groups = db.prepare(
    `SELECT (created_at - ?) / ? AS bucket, status, http_status / 100 AS class, error_code, COUNT(*) AS n
     FROM attempts WHERE ${where} GROUP BY bucket, status, class, error_code`,
  ).all(BigInt(query.since), BigInt(query.bucketMs), ...params);
  const durations = db.prepare(
    `SELECT duration_ms, COUNT(*) AS n FROM attempts WHERE ${where} AND coalesce(error_code, '') <> 'ENDPOINT_DISABLED'
     GROUP BY duration_ms ORDER BY duration_ms`,
  ).all(...params);
  return foldStats(query, deliveries, groups, durations);
}

/**
 * AttemptStatsRaw with its maps in a stable order, for deepEqual. Of the latency distribution, what its
 * contract keeps exact: the number of attempts and the value at each reported percentile's rank.
 */
function normalised(stats: AttemptStatsRaw) {
  const sorted = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).filter(([, n]) => n !== 0).sort());
  return {
    deliveriesByStatus: sorted(stats.deliveriesByStatus),
    byStatusClass: sorted(stats.byStatusClass),
    byErrorCode: sorted(stats.byErrorCode),
    attemptsWithLatency: stats.durations.reduce((sum, entry) => sum + entry.count, 0),
    latency: LATENCY_PERCENTILES.map((p) => percentile(stats.durations, p)),
    series: stats.series,
  };
}

describe('SQLite stats rollups', () => {
  let dir: string;
  let log: GeneratedLog;
  let storage: SqliteStorage;
  let raw: DatabaseSync;
  const end = Date.UTC(2026, 10, 20, 12, 34, 56, 789);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-rollups-'));
    log = await generateLog(join(dir, 'log.db'), { entries: 6_000, days: 2, endpoints: 4, endMs: end, log: () => {} });
    storage = new SqliteStorage(log.path);
    await storage.migrate();
    raw = new DatabaseSync(log.path, { readOnly: true });
  });
  after(async () => {
    raw.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Windows of every shape: aligned and not, short and long, one bucket and many, past the data's ends. */
  function windows(): StatsQuery[] {
    const queries: StatsQuery[] = [];
    const endpoints = [undefined, log.endpointIds[0], log.flakyEndpointId];
    const starts = [end - DAY, Math.floor((end - DAY) / MINUTE) * MINUTE, Math.floor((end - 3 * DAY) / HOUR) * HOUR, end - 90 * MINUTE + 17, Math.floor((end - 36 * HOUR) / HOUR) * HOUR];
    const spans = [DAY, 2 * HOUR + 30 * MINUTE, 59 * MINUTE, 3 * DAY, 7 * MINUTE + 1];
    const buckets = [MINUTE, 15 * MINUTE, HOUR, 7_777, DAY];
    let index = 0;
    for (const since of starts) {
      for (const span of spans) {
        const bucketMs = buckets[index++ % buckets.length]!;
        if (Math.ceil(span / bucketMs) > 1000) continue;
        for (const endpointId of endpoints) {
          queries.push({ workspaceId: log.workspaceId, ...(endpointId ? { endpointId } : {}), since, until: since + span, bucketMs });
        }
      }
    }
    return queries;
  }

  /** `count=true` of log lists filtered by scope, status and time: the rollups' sum against COUNT(*). */
  async function assertCountsAsLog(label: string): Promise<void> {
    const times = [undefined, end - DAY, Math.floor((end - DAY) / MINUTE) * MINUTE, end - 90 * MINUTE + 17, end - 30_000];
    for (const endpointId of [undefined, log.flakyEndpointId]) {
      for (const status of [undefined, 'succeeded', 'failed'] as const) {
        for (const [index, startTime] of times.entries()) {
          const endTime = [undefined, end + 1, end - HOUR + 5, end - 10 * MINUTE, end][index];
          const filters = { workspaceId: log.workspaceId, endpointId, status, startTime, endTime };
          const conditions: Array<[string, string | number | undefined]> = [
            ['workspace_id = ?', log.workspaceId], ['endpoint_id = ?', endpointId], ['status = ?', status],
            ['created_at >= ?', startTime], ['created_at < ?', endTime],
          ];
          const given = conditions.filter(([, value]) => value !== undefined);
          const where = given.map(([sql]) => sql);
          const params = given.map(([, value]) => value!);
          const expected = Number((raw.prepare(`SELECT COUNT(*) AS n FROM attempts WHERE ${where.join(' AND ')}`).get(...params) as { n: number }).n);
          assert.equal(await storage.countAttempts(filters), expected, `${label}: ${JSON.stringify(filters)}`);
        }
      }
    }
  }

  async function assertSameAsLog(label: string): Promise<number> {
    await assertCountsAsLog(label);
    let checked = 0;
    for (const query of windows()) {
      const answer = normalised(await storage.attemptStats(query));
      assert.deepEqual(answer, normalised(oracle(raw, query)), `${label}: ${JSON.stringify(query)}`);
      checked += answer.attemptsWithLatency;
    }
    return checked;
  }

  test('rollups kept by the write paths answer every window as the log does', async () => {
    const rows = Number((raw.prepare('SELECT COUNT(*) AS n FROM attempt_rollups').get() as { n: number }).n);
    assert.ok(rows > 0, 'the generator wrote through the storage, so its writes filled the rollups');
    const seen = await assertSameAsLog('writes');
    assert.ok(seen > 2_000, `the windows held real data (${seen} attempts in all)`);
  });

  /**
   * Rollup rows as the writes kept them, and as a migration's backfill rebuilds them: in a copy of the
   * log, `tables` (name → ORDER BY) are emptied and the backfill (`backfillOf` the migration's SQL) is run.
   */
  function backfilled(migrationFile: string, backfillOf: (sql: string) => string, tables: Record<string, string>) {
    const dump = (db: DatabaseSync) => Object.entries(tables).map(([table, key]) => db.prepare(`SELECT * FROM ${table} WHERE n <> 0 ORDER BY ${key}`).all());
    const copy = join(dir, `backfill-${migrationFile}.db`);
    raw.exec(`VACUUM INTO '${copy}'`);
    const db = new DatabaseSync(copy);
    try {
      const backfill = backfillOf(readFileSync(new URL(`../../src/storage/sqlite/migrations/${migrationFile}`, import.meta.url), 'utf8'));
      const fromWrites = dump(db);
      for (const table of Object.keys(tables)) db.exec(`DELETE FROM ${table}`);
      db.exec(backfill);
      return { fromWrites, fromBackfill: dump(db) };
    } finally {
      db.close();
    }
  }

  test("the migration's backfill of an existing log gives the same rollups as the writes kept", () => {
    const { fromWrites, fromBackfill } = backfilled(
      '006-stats-rollups.sql',
      (sql) => sql.slice(sql.indexOf('-- Backfill'), sql.indexOf('-- Retention deletes rollups')),
      { attempt_rollups: '1, 2, 3, 4, 5, 6', latency_rollups: '1, 2, 3, 4', delivery_rollups: '1, 2, 3, 4' },
    );
    assert.ok(fromWrites.every((rows) => rows.length > 0), 'the writes kept rollups of every kind');
    assert.deepEqual(fromBackfill, fromWrites);
  });

  test("migration 013's backfill of the hour rollups sums the minute rollups as the writes kept them", () => {
    const { fromWrites, fromBackfill } = backfilled(
      '013-hour-rollups-for-stats.sql',
      (sql) => sql.slice(sql.indexOf('INSERT INTO attempt_hour_rollups')),
      { attempt_hour_rollups: '1, 2, 3, 4, 5, 6', delivery_hour_rollups: '1, 2, 3, 4' },
    );
    assert.ok(fromWrites.every((rows) => rows.length > 24), 'the writes kept hour rollups of both kinds');
    assert.deepEqual(fromBackfill, fromWrites);
  });

  test("migration 012's backfill of the latency bands sums the exact latency rollups as the writes kept them", () => {
    const { fromWrites, fromBackfill } = backfilled(
      '012-latency-band-rollups.sql',
      (sql) => sql.slice(sql.indexOf('INSERT INTO latency_band_rollups')),
      { latency_band_rollups: '1, 2, 3, 4' },
    );
    assert.ok(new Set(fromWrites[0]!.map((row) => row.band_ms)).size > 16, 'the writes kept bands above the exact ones under 16 ms');
    assert.deepEqual(fromBackfill, fromWrites);
  });

  test('a latency band holds its own lowest value and is at most a quarter of it wide; SQL agrees with the write path', () => {
    const bandSql = raw.prepare(
      'SELECT CASE WHEN ?1 < 16 THEN ?1 ELSE ?1 - ?1 % (1 << (CAST(log2(?1) AS INTEGER) - 2)) END AS band',
    );
    const values = [...Array.from({ length: 5000 }, (_, i) => i), 8191, 8192, 8193, 30_000, 65_535, 65_536, 2 ** 31 - 1];
    let previous = -1;
    for (const ms of values) {
      const band = latencyBand(ms);
      assert.equal(Number((bandSql.get(BigInt(ms)) as { band: number }).band), band, `SQL band of ${ms}`);
      assert.ok(band <= ms && latencyBand(band) === band, `${ms} is in the band named ${band}`);
      assert.ok(ms < 16 ? band === ms : ms - band < band / 4, `the band of ${ms} (${band}) is at most a quarter wide`);
      assert.ok(band >= previous, 'bands grow with the duration');
      previous = band;
    }
  });

  test('writes after the migration keep them exact: claims, outcomes, retries, re-queues', async () => {
    // Claim everything due (queued / pending_retry → delivering), then re-queue failed deliveries and
    // ask for retries: each is a status change the delivery rollups must follow.
    const claimed = await storage.claimDueDeliveries(end + DAY, 500, 30_000);
    assert.ok(claimed.length > 0, 'the generated log has unfinished deliveries to claim');
    await assertSameAsLog('after claims');
    // Some go back unattempted (rate limits), some get an outcome: delivering → queued / pending_retry, succeeded / failed.
    await storage.releaseDeliveries(claimed.slice(0, 20).map((c) => ({ deliveryId: c.delivery.id, runAt: end + DAY })));
    await storage.recordOutcomes(claimed.slice(20, 60).map((c, i) => outcomeFor(c.delivery, { attempt: c.attempt, httpStatus: i % 3 === 0 ? 503 : 200, createdAt: end - 5 * MINUTE, durationMs: i })));
    await assertSameAsLog('after releases and outcomes');
    const requeued = await storage.requeueFailedDeliveries(log.workspaceId, log.flakyEndpointId, end - 3 * DAY, end + 1, 1_000, end);
    assert.ok(requeued > 0, 'the flaky endpoint has failed_permanent deliveries');
    const someDeliveries = raw.prepare(`SELECT id FROM deliveries WHERE workspace_id = ? AND status = 'succeeded' LIMIT 25`).all(log.workspaceId);
    assert.equal(await storage.requestRetries(log.workspaceId, someDeliveries.map((row) => String(row.id)), end), 25);
    await assertSameAsLog('after re-queues and retries');
  });

  test('retention removes expired rollups with the log, and windows after the cutoff stay exact', async () => {
    // First to a cutoff inside an hour and a minute: the units that hold it keep rollups of entries already gone.
    const partial = end - DAY - 3 * HOUR - 37 * MINUTE - 12_345;
    while (Object.values(await storage.purgeBatch(partial, partial, 100)).some((count) => count >= 100));
    await assertCountsAsLog('after a purge to the middle of a minute');
    const cutoff = end - DAY;
    let batches = 0;
    while (Object.values(await storage.purgeBatch(cutoff, cutoff, 100)).some((count) => count >= 100)) batches++;
    assert.ok(batches > 3);
    const stale = raw.prepare('SELECT COUNT(*) AS n FROM attempt_rollups WHERE minute + 60000 <= ?').get(cutoff) as { n: number };
    assert.equal(Number(stale.n), 0, 'no rollup of an expired minute is left');
    for (const table of ['attempt_hour_rollups', 'delivery_hour_rollups', 'latency_rollups', 'latency_band_rollups']) {
      const staleHours = raw.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE hour + 3600000 <= ?`).get(cutoff) as { n: number };
      assert.equal(Number(staleHours.n), 0, `no rollup of an expired hour is left in ${table}`);
    }
    await assertCountsAsLog('after retention');
    // From the first whole hour after the cutoff, and from the minute after it: the hour that holds the
    // cutoff has lost entries its rollups still count, so its latency must come from the log alone.
    for (const since of [Math.ceil(cutoff / HOUR) * HOUR, Math.floor(cutoff / MINUTE) * MINUTE + MINUTE]) {
      for (const endpointId of [undefined, log.flakyEndpointId]) {
        const query: StatsQuery = { workspaceId: log.workspaceId, ...(endpointId ? { endpointId } : {}), since, until: end + 1, bucketMs: 15 * MINUTE };
        assert.deepEqual(normalised(await storage.attemptStats(query)), normalised(oracle(raw, query)), new Date(since).toISOString());
      }
    }
  });
});
