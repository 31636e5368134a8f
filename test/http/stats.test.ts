import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { AppError } from '../../src/domain/app-error.ts';
import { percentile } from '../../src/domain/percentile.ts';
import {
  BUCKET_STEPS_MS,
  defaultBucketMs,
  fillSeries,
  MAX_POINTS,
  resolveBucketMs,
  summarise,
  TARGET_POINTS,
} from '../../src/services/stats-service.ts';
import { apiClient, assertErrorShape, startTestHerald, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { at, createEndpoint, newWorkspace, publish, waitForSettledLog } from './fixtures.ts';
import type { LogRow } from './log-data-set.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The oracle: sort, then the value at rank ceil(p/100 · N), computed in whole numbers. */
function nearestRank(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.floor((p * sorted.length + 99) / 100));
  return sorted[rank - 1]!;
}

/** Values → the `{durationMs, count}` pairs storage answers, sorted. */
function counted(values: number[]): Array<{ durationMs: number; count: number }> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a - b).map(([durationMs, count]) => ({ durationMs, count }));
}

describe('stats math (pure)', () => {
  test('percentile is the nearest rank of the sorted values, on random arrays with many ties', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 0, max: 100 }), (values, p) => {
        assert.equal(percentile(counted(values), p), nearestRank(values, p));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 2000 }), (values) => {
        for (const p of [50, 95, 99, 100]) assert.equal(percentile(counted(values), p), nearestRank(values, p));
      }),
      { numRuns: 200 },
    );
  });

  test('percentile: N = 1, ties, 100 values, empty', () => {
    for (const p of [0, 1, 50, 99, 100]) assert.equal(percentile([{ durationMs: 42, count: 1 }], p), 42);
    const ties = counted([5, 5, 5, 7]);
    assert.deepEqual([25, 50, 75, 76, 100].map((p) => percentile(ties, p)), [5, 5, 5, 7, 7]);
    const hundred = counted(Array.from({ length: 100 }, (_, i) => 100 - i));
    assert.deepEqual([1, 7, 50, 95, 99, 100].map((p) => percentile(hundred, p)), [1, 7, 50, 95, 99, 100]);
    const thousand = counted(Array.from({ length: 1000 }, (_, i) => i + 1));
    assert.deepEqual([50, 95, 99].map((p) => percentile(thousand, p)), [500, 950, 990]);
    assert.equal(percentile([], 50), null);
    assert.equal(percentile(counted([3, 1, 2]), 0), 1, 'p0 is the minimum');
  });

  test('the default bucket: the smallest of 1m…1d giving at most 120 points, whole days beyond', () => {
    assert.equal(defaultBucketMs(DAY), 15 * MINUTE);
    assert.equal(defaultBucketMs(HOUR), MINUTE);
    assert.equal(defaultBucketMs(2 * HOUR), MINUTE, 'exactly 120 points');
    assert.equal(defaultBucketMs(2 * HOUR + 1), 5 * MINUTE);
    assert.equal(defaultBucketMs(7 * DAY), 6 * HOUR);
    assert.equal(defaultBucketMs(30 * DAY), 6 * HOUR);
    assert.equal(defaultBucketMs(31 * DAY), DAY);
    assert.equal(defaultBucketMs(200 * DAY), 2 * DAY);
    assert.equal(defaultBucketMs(1), MINUTE);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 * 365 * DAY }), (span) => {
        const bucket = defaultBucketMs(span);
        assert.ok(Math.ceil(span / bucket) <= TARGET_POINTS);
        assert.ok((BUCKET_STEPS_MS as readonly number[]).includes(bucket) || bucket % DAY === 0);
        const smaller = [...BUCKET_STEPS_MS].reverse().find((step) => step < bucket);
        if (smaller !== undefined && bucket <= DAY) assert.ok(Math.ceil(span / smaller) > TARGET_POINTS, 'no smaller step would do');
      }),
    );
  });

  test('at most 1,000 buckets; a bad bucket is a 400 naming bucket', () => {
    assert.equal(resolveBucketMs(0, MAX_POINTS * MINUTE, MINUTE), MINUTE);
    assert.equal(resolveBucketMs(0, DAY, undefined), 15 * MINUTE);
    for (const [until, bucket] of [[MAX_POINTS * MINUTE + 1, MINUTE], [DAY, 1000], [DAY, 0], [DAY, 0.5]] as const) {
      assert.throws(() => resolveBucketMs(0, until, bucket), (error: unknown) => error instanceof AppError && error.code === 'INVALID_REQUEST' && error.details[0]?.field === 'bucket');
    }
  });

  test('fillSeries: every bucket from since to until, zeros in the gaps, counts kept', () => {
    const series = fillSeries(1000, 1950, 100, [{ start: 1200, succeeded: 2, failed: 1 }, { start: 1900, succeeded: 0, failed: 4 }]);
    assert.equal(series.length, 10, 'the last bucket [1900, 2000) reaches past until');
    assert.deepEqual(series.map((point) => point.start), [1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900]);
    assert.deepEqual(series[2], { start: 1200, succeeded: 2, failed: 1 });
    assert.deepEqual(series[9], { start: 1900, succeeded: 0, failed: 4 });
    assert.equal(series.reduce((sum, point) => sum + point.succeeded + point.failed, 0), 7);
  });

  test('summarise: no finished delivery → success_rate null; no HTTP attempt → latency null; classes always listed', () => {
    const stats = summarise(
      { deliveriesByStatus: { queued: 2 }, durations: [], byStatusClass: {}, byErrorCode: {}, series: [] },
      { since: 0, until: 3 * MINUTE, endpointId: null, bucketMs: MINUTE },
    );
    assert.equal(stats.successRate, null);
    assert.equal(stats.latency, null);
    assert.deepEqual(stats.deliveries, { queued: 2, delivering: 0, succeeded: 0, pending_retry: 0, failed_permanent: 0, total: 2 });
    assert.deepEqual(stats.httpStatusClasses, { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0 });
    assert.deepEqual(stats.series.map((point) => point.start), [0, MINUTE, 2 * MINUTE]);
  });
});

/** What a stats answer should hold, computed from the log and the deliveries lists. */
function expectedFrom(rows: LogRow[], deliveries: Array<{ status: string }>, since: number, bucketMs: number) {
  const classes: Record<string, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0 };
  const errors: Record<string, number> = {};
  const buckets = new Map<number, { succeeded: number; failed: number }>();
  for (const row of rows) {
    const klass = row.http_status === null ? 'none' : `${Math.floor(row.http_status / 100)}xx`;
    classes[klass] = (classes[klass] ?? 0) + 1;
    if (row.error) errors[row.error.code] = (errors[row.error.code] ?? 0) + 1;
    const start = since + Math.floor((Date.parse(row.created_at) - since) / bucketMs) * bucketMs;
    const bucket = buckets.get(start) ?? { succeeded: 0, failed: 0 };
    bucket[row.status] += 1;
    buckets.set(start, bucket);
  }
  const byStatus = (status: string) => deliveries.filter((d) => d.status === status).length;
  const durations = rows.filter((row) => row.error?.code !== 'ENDPOINT_DISABLED').map((row) => row.duration_ms);
  const finished = byStatus('succeeded') + byStatus('failed_permanent');
  return {
    deliveries: {
      queued: byStatus('queued'), delivering: byStatus('delivering'), succeeded: byStatus('succeeded'),
      pending_retry: byStatus('pending_retry'), failed_permanent: byStatus('failed_permanent'), total: deliveries.length,
    },
    success_rate: finished === 0 ? null : byStatus('succeeded') / finished,
    attempts: {
      total: rows.length,
      succeeded: rows.filter((row) => row.status === 'succeeded').length,
      failed: rows.filter((row) => row.status === 'failed').length,
    },
    latency_ms: durations.length === 0
      ? null
      : { p50: nearestRank(durations, 50), p95: nearestRank(durations, 95), p99: nearestRank(durations, 99), max: Math.max(...durations) },
    http_status_classes: classes,
    error_codes: errors,
    buckets,
  };
}

describe('GET /v1/stats and /v1/endpoints/{id}/stats', () => {
  let h: TestHerald;
  let receiver: Receiver;
  let rows: LogRow[];
  let deliveries: Array<{ id: string; endpoint_id: string; status: string }>;
  const ep: Record<string, string> = {};
  let since: number;
  let until: number;

  before(async () => {
    [h, receiver] = await Promise.all([startTestHerald({ HERALD_RETRY_SCHEDULE: '20ms,20ms' }), startReceiver()]);
    const paths: Record<string, string> = {
      ok: '/ok', slow30: '/slow?ms=30', slow80: '/slow?ms=80', slow150: '/slow?ms=150', fail: '/fail', notFound: '/status/404',
    };
    for (const [name, path] of Object.entries(paths)) {
      ep[name] = (await createEndpoint(h.api, { url: at(receiver.base, path, name), event_types: ['stats.*'] })).id;
    }
    since = Date.now() - 1000;
    for (let i = 0; i < 5; i += 1) {
      await publish(h.api, { type: i % 2 === 0 ? 'stats.even' : 'stats.odd', payload: { i } });
      await sleep(40);
    }
    rows = await waitForSettledLog(h.api);
    const listed = await h.api.get('/v1/deliveries?limit=500');
    assert.equal(listed.status, 200, listed.text);
    deliveries = listed.json.data;
    until = Date.now() + 1000;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  /** Checks one stats answer against the log and the deliveries it covers. */
  function check(body: Record<string, unknown> & { series: { bucket_ms: number; points: Array<{ start: string; succeeded: number; failed: number }> } }, scope: (endpointId: string) => boolean) {
    const bucketMs = body.series.bucket_ms;
    const expected = expectedFrom(rows.filter((row) => scope(row.endpoint_id)), deliveries.filter((d) => scope(d.endpoint_id)), since, bucketMs);
    assert.deepEqual(body.deliveries, expected.deliveries);
    assert.equal(body.success_rate, expected.success_rate);
    assert.deepEqual(body.attempts, expected.attempts);
    assert.deepEqual(body.latency_ms, expected.latency_ms);
    assert.deepEqual(body.http_status_classes, expected.http_status_classes);
    assert.deepEqual(body.error_codes, expected.error_codes);
    const { points } = body.series;
    assert.equal(points.length, Math.ceil((until - since) / bucketMs), 'every bucket, empty ones too');
    points.forEach((point, index) => {
      assert.equal(Date.parse(point.start), since + index * bucketMs);
      const counts = expected.buckets.get(since + index * bucketMs) ?? { succeeded: 0, failed: 0 };
      assert.deepEqual({ succeeded: point.succeeded, failed: point.failed }, counts, `bucket ${point.start}`);
    });
    assert.equal(points.reduce((sum, point) => sum + point.succeeded + point.failed, 0), expected.attempts.total);
  }

  const window = () => `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`;

  test('the data set: 6 endpoints × 5 events; failures tried 3 times', () => {
    assert.equal(deliveries.length, 30);
    assert.equal(rows.length, 4 * 5 + 2 * 5 * 3);
  });

  test('workspace stats match the log: counts, success rate, classes, error codes, percentiles, series', async () => {
    const response = await h.api.get(`/v1/stats?${window()}&bucket=100ms`);
    assert.equal(response.status, 200, response.text);
    const body = response.json;
    assert.deepEqual(Object.keys(body), ['since', 'until', 'endpoint_id', 'deliveries', 'success_rate', 'attempts', 'latency_ms', 'http_status_classes', 'error_codes', 'series']);
    assert.equal(body.since, new Date(since).toISOString());
    assert.equal(body.until, new Date(until).toISOString());
    assert.equal(body.endpoint_id, null);
    assert.equal(body.series.bucket_ms, 100);
    check(body, () => true);
    assert.deepEqual(body.deliveries, { queued: 0, delivering: 0, succeeded: 20, pending_retry: 0, failed_permanent: 10, total: 30 });
    assert.equal(body.success_rate, 20 / 30);
    assert.deepEqual(body.attempts, { total: 50, succeeded: 20, failed: 30 });
    assert.deepEqual(body.http_status_classes, { '1xx': 0, '2xx': 20, '3xx': 0, '4xx': 15, '5xx': 15, none: 0 });
    assert.deepEqual(body.error_codes, { HTTP_STATUS: 30 });
    assert.ok(body.series.points.filter((p: { succeeded: number; failed: number }) => p.succeeded + p.failed > 0).length > 1, 'attempts fall in several buckets');
    assert.ok(body.latency_ms.max >= 150 && body.latency_ms.p99 >= 150, 'the 150 ms endpoint is the slowest');
  });

  test('endpoint stats are scoped to the endpoint', async () => {
    for (const [name, id] of Object.entries(ep)) {
      const response = await h.api.get(`/v1/endpoints/${id}/stats?${window()}&bucket=1s`);
      assert.equal(response.status, 200, `${name}: ${response.text}`);
      assert.equal(response.json.endpoint_id, id);
      check(response.json, (endpointId) => endpointId === id);
    }
    const slow = (await h.api.get(`/v1/endpoints/${ep.slow150}/stats?${window()}`)).json;
    assert.ok(slow.latency_ms.p50 >= 150, JSON.stringify(slow.latency_ms));
    assert.equal(slow.success_rate, 1);
    const failing = (await h.api.get(`/v1/endpoints/${ep.fail}/stats?${window()}`)).json;
    assert.equal(failing.success_rate, 0);
    assert.deepEqual(failing.attempts, { total: 15, succeeded: 0, failed: 15 });
    assert.deepEqual(failing.http_status_classes, { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 15, none: 0 });
  });

  test('defaults: the last 24 h from a whole minute, in 15-minute buckets (96 or 97 points), the same totals', async () => {
    const response = await h.api.get('/v1/stats');
    assert.equal(response.status, 200, response.text);
    const body = response.json;
    const span = Date.parse(body.until) - Date.parse(body.since);
    assert.ok(span >= DAY && span < DAY + MINUTE, `since is until - 24 h rounded down to a minute: ${body.since} .. ${body.until}`);
    assert.equal(Date.parse(body.since) % MINUTE, 0);
    assert.ok(Math.abs(Date.parse(body.until) - Date.now()) < 10_000);
    assert.equal(body.series.bucket_ms, 15 * MINUTE);
    assert.equal(body.series.points.length, Math.ceil(span / (15 * MINUTE)));
    assert.deepEqual(body.attempts, { total: 50, succeeded: 20, failed: 30 });
    assert.equal(body.deliveries.total, 30);
    const onlySince = (await h.api.get(`/v1/stats?since=${new Date(since).toISOString()}`)).json;
    assert.ok(Date.parse(onlySince.until) > since && onlySince.series.bucket_ms === MINUTE, 'until defaults to now; the window is short, so 1m buckets');
    assert.deepEqual(onlySince.attempts, body.attempts);
  });

  test('a window with nothing in it: zeros, nulls, and still every bucket', async () => {
    const response = await h.api.get('/v1/stats?since=2020-01-01T00:00:00.000Z&until=2020-01-01T01:00:00.000Z');
    assert.equal(response.status, 200, response.text);
    const body = response.json;
    assert.deepEqual(body.deliveries, { queued: 0, delivering: 0, succeeded: 0, pending_retry: 0, failed_permanent: 0, total: 0 });
    assert.equal(body.success_rate, null);
    assert.equal(body.latency_ms, null);
    assert.deepEqual(body.attempts, { total: 0, succeeded: 0, failed: 0 });
    assert.deepEqual(body.error_codes, {});
    assert.equal(body.series.bucket_ms, MINUTE);
    assert.equal(body.series.points.length, 60);
    assert.deepEqual(body.series.points[59], { start: '2020-01-01T00:59:00.000Z', succeeded: 0, failed: 0 });
  });

  test('bad since, until or bucket → 400 in the contract shape, naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['since=yesterday', 'since'],
      ['until=2026-13-45T00:00:00Z', 'until'],
      ['since=2026-01-02T00:00:00.000Z&until=2026-01-01T00:00:00.000Z', 'since'],
      ['since=2026-01-01T00:00:00.000Z&until=2026-01-01T00:00:00.000Z', 'since'],
      ['bucket=5', 'bucket'],
      ['bucket=0m', 'bucket'],
      ['bucket=-1m', 'bucket'],
      ['bucket=soon', 'bucket'],
      ['bucket=1s', 'bucket'],
      ['since=2026-01-01T00:00:00.000Z&until=2026-01-31T00:00:00.000Z&bucket=1m', 'bucket'],
      ['since=1&since=2', 'since'],
      ['limit=5', 'limit'],
      ['endpoint_id=ep_0123456789abcdef0123456789abcdef', 'endpoint_id'],
    ];
    for (const [query, field] of cases) {
      for (const path of ['/v1/stats', `/v1/endpoints/${ep.ok}/stats`]) {
        const error = assertErrorShape(await h.api.get(`${path}?${query}`), 400);
        assert.equal(error.code, 'INVALID_REQUEST', query);
        assert.equal(error.details?.[0]?.field, field, query);
      }
    }
    const exactly = await h.api.get('/v1/stats?since=2026-01-01T00:00:00.000Z&until=2026-01-01T16:40:00.000Z&bucket=1m');
    assert.equal(exactly.status, 200, '1,000 buckets are allowed');
    assert.equal(exactly.json.series.points.length, 1000);
  });

  test("another workspace's endpoint, or an unknown one, is 404 ENDPOINT_NOT_FOUND; its /v1/stats sees nothing of ours", async () => {
    const other = await newWorkspace(h, 'stats-other');
    for (const id of [ep.ok, 'ep_0123456789abcdef0123456789abcdef']) {
      const error = assertErrorShape(await other.api.get(`/v1/endpoints/${id}/stats`), 404);
      assert.equal(error.code, 'ENDPOINT_NOT_FOUND');
    }
    assert.equal(assertErrorShape(await h.api.get('/v1/endpoints/ep_0123456789abcdef0123456789abcdef/stats'), 404).code, 'ENDPOINT_NOT_FOUND');
    const theirs = await other.api.get(`/v1/stats?${window()}`);
    assert.equal(theirs.status, 200, theirs.text);
    assert.deepEqual(theirs.json.attempts, { total: 0, succeeded: 0, failed: 0 });
    assert.equal(theirs.json.deliveries.total, 0);
    assert.equal(assertErrorShape(await apiClient(h.url, null).get('/v1/stats'), 401).code, 'UNAUTHORIZED');
    assert.equal(assertErrorShape(await apiClient(h.url, h.adminKey).get('/v1/stats'), 403).code, 'FORBIDDEN');
  });

  test('/openapi.json documents both routes and the response shape', async () => {
    const doc = (await apiClient(h.url, null).get('/openapi.json')).json;
    for (const path of ['/v1/stats', '/v1/endpoints/{id}/stats']) {
      const schema = doc.paths[path]?.get?.responses?.['200']?.content?.['application/json']?.schema;
      assert.ok(schema, `${path} documents its 200`);
      const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split('/').at(-1)] : schema;
      assert.deepEqual(Object.keys(resolved.properties), [
        'since', 'until', 'endpoint_id', 'deliveries', 'success_rate', 'attempts', 'latency_ms', 'http_status_classes', 'error_codes', 'series',
      ]);
      assert.deepEqual(Object.keys(resolved.properties.series.properties), ['bucket_ms', 'points']);
      const query = doc.paths[path].get.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
      assert.deepEqual(query, ['since', 'until', 'bucket']);
    }
  });
});
