import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, test, type TestContext } from 'node:test';
import { assertErrorShape, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { withAdminClient } from '../support/postgres.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { waitForDelivery } from '../worker/helpers.ts';

// Retention (RetentionPurger.purgeNow, HERALD_RETENTION_DAYS=30): log entries, finished deliveries and
// events left without deliveries older than the retention go; idempotency keys go after 24 h.
// The clock follows the wall clock until a test freezes it; rows are written with the real time, then
// the clock is set 30 days past a moment between the old and the new rows, and the purge runs.

const DAY_MS = 86_400_000;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function start(t: TestContext, env: Record<string, string> = {}): Promise<{ h: TestHerald; api: ApiClient; receiver: Receiver; freeze: (at: number | null) => void }> {
  let frozen: number | null = null;
  const receiver = await startReceiver();
  const h = await startTestHerald({ HERALD_RETENTION_DAYS: '30', ...env }, { clock: { now: () => frozen ?? Date.now() } });
  t.after(async () => {
    await h.close();
    await receiver.close();
  });
  return { h, api: h.api, receiver, freeze: (at) => (frozen = at) };
}

async function total(api: ApiClient, path: string): Promise<number> {
  const response = await api.get(`${path}${path.includes('?') ? '&' : '?'}count=true&limit=1`);
  assert.equal(response.status, 200, response.text);
  return response.json.meta.total;
}

describe('retention', () => {
  test('purges what is older than HERALD_RETENTION_DAYS, keeps newer rows and unfinished deliveries; the API answers meanwhile', async (t) => {
    // A 60-day schedule: the pending delivery is still waiting for its retry 30 days on.
    const { h, api, receiver, freeze } = await start(t, { HERALD_RETRY_SCHEDULE: '60d' });
    const endpoint = async (path: string, extra: Record<string, unknown> = {}) =>
      (await api.post('/v1/endpoints', { url: receiver.base + path, event_types: ['thing.happened'], ...extra })).json.id as string;
    const [ok, failing, pending] = [await endpoint('/ok'), await endpoint('/fail', { max_attempts: 1 }), await endpoint('/fail?pending')];
    const send = async (endpointId: string, word: string) => {
      const response = await api.post('/v1/events', { type: 'thing.happened', payload: { word }, tags: { batch: word }, endpoint_ids: [endpointId] });
      assert.equal(response.status, 202, response.text);
      return { eventId: response.json.id as string, deliveryId: response.json.deliveries[0].id as string };
    };

    // Old rows: a success, a failure, one waiting for a retry, and 3,000 events nobody listens to.
    const old = { ok: await send(ok, 'oldzebra'), failed: await send(failing, 'oldfail'), pending: await send(pending, 'oldpending') };
    await waitForDelivery(api, old.ok.deliveryId, ['succeeded']);
    await waitForDelivery(api, old.failed.deliveryId, ['failed_permanent']);
    await waitForDelivery(api, old.pending.deliveryId, ['pending_retry']);
    for (let batch = 0; batch < 3; batch += 1) {
      const events = Array.from({ length: 1000 }, (_, n) => ({ type: 'nobody.listens', payload: { n }, tags: { batch: 'bulk' } }));
      assert.equal((await api.post('/v1/events/batch', { events })).status, 202);
    }
    const oldLog = (await api.get(`/v1/logs?delivery_id=${old.ok.deliveryId}`)).json.data[0];
    await new Promise((resolve) => setTimeout(resolve, 20));
    const between = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));

    // New rows.
    const fresh = await send(ok, 'newzebra');
    await waitForDelivery(api, fresh.deliveryId, ['succeeded']);
    const freshLog = (await api.get(`/v1/logs?delivery_id=${fresh.deliveryId}`)).json.data[0];
    const before = `end_time=${new Date(between).toISOString()}`;
    const expected = {
      attempts: await total(api, `/v1/logs?${before}`),
      deliveries: (await total(api, `/v1/deliveries?${before}`)) - 1, // all but the pending one
      events: (await total(api, `/v1/events?${before}`)) - 1, // all but the pending one's
    };
    assert.ok(expected.events >= 3002, `${expected.events} old events`);

    freeze(between + 30 * DAY_MS);
    const purgeStarted = performance.now();
    const purging = h.herald.retention!.purgeNow();
    let done = false;
    void purging.finally(() => (done = true));
    const latencies: number[] = [];
    while (!done) {
      for (const path of ['/v1/logs?limit=20', '/v1/events?limit=20', `/v1/deliveries/${fresh.deliveryId}`]) {
        const started = performance.now();
        const response = await api.get(path);
        latencies.push(Math.round(performance.now() - started));
        assert.equal(response.status, 200, `${path} during the purge: ${response.text.slice(0, 200)}`);
      }
    }
    const purged = await purging;
    const purgeMs = Math.round(performance.now() - purgeStarted);
    t.diagnostic(`purged ${JSON.stringify(purged)} in ${purgeMs} ms; ${latencies.length} GETs during the purge took ${latencies.join(',')} ms`);
    assert.ok(latencies.length >= 3, 'requests were answered while the purge ran');
    assert.deepEqual({ ...purged, idempotencyKeys: 0 }, { ...expected, idempotencyKeys: 0 });

    // Old: gone everywhere, search included.
    assert.equal(assertErrorShape(await api.get(`/v1/events/${old.ok.eventId}`), 404).code, 'EVENT_NOT_FOUND');
    assert.equal(assertErrorShape(await api.get(`/v1/deliveries/${old.failed.deliveryId}`), 404).code, 'DELIVERY_NOT_FOUND');
    assert.equal(assertErrorShape(await api.get(`/v1/logs/${oldLog.id}`), 404).code, 'LOG_NOT_FOUND');
    assert.deepEqual((await api.get('/v1/logs?search=oldzebra')).json.data, []);
    assert.equal(await total(api, '/v1/events?tag[batch]=bulk'), 0);
    assert.equal(await total(api, `/v1/events?${before}`), 1);

    // Unfinished: kept, with its event. New: kept, with the entry's detail and its search row.
    const waiting = (await api.get(`/v1/deliveries/${old.pending.deliveryId}`)).json;
    assert.equal(waiting.status, 'pending_retry');
    assert.equal((await api.get(`/v1/events/${old.pending.eventId}`)).status, 200);
    assert.equal((await api.get(`/v1/events/${fresh.eventId}`)).status, 200);
    const detail = await api.get(`/v1/logs/${freshLog.id}`);
    assert.equal(detail.json.response.body, JSON.stringify({ received: true }));
    assert.deepEqual((await api.get('/v1/logs?search=newzebra')).json.data.map((row: Json) => row.id), [freshLog.id]);

    // Nothing left behind in the tables the API does not show.
    const url = h.herald.ctx.config.databaseUrl;
    if (/^postgres(ql)?:\/\//.test(url)) {
      // PostgreSQL keeps purged log rows (and their details) on disk, out of sight, until their day's
      // partition is dropped (src/storage/postgres/README.md): only the tag rows can be checked here.
      const orphanTags = await withAdminClient(
        async (client) => Number((await client.query('SELECT COUNT(*) AS n FROM event_tags WHERE event_id NOT IN (SELECT id FROM events)')).rows[0].n),
        new URL(url).searchParams.get('schema') ?? undefined,
      );
      assert.equal(orphanTags, 0, 'tags of purged events');
    } else {
      const db = new DatabaseSync(h.dbPath, { readOnly: true });
      try {
        const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
        assert.equal(count('SELECT COUNT(*) AS n FROM attempt_details WHERE attempt_id NOT IN (SELECT id FROM attempts)'), 0, 'details of purged entries');
        assert.equal(count('SELECT COUNT(*) AS n FROM attempts_search WHERE rowid NOT IN (SELECT rowid FROM attempts)'), 0, 'search rows of purged entries');
        assert.equal(count('SELECT COUNT(*) AS n FROM event_tags WHERE event_id NOT IN (SELECT id FROM events)'), 0, 'tags of purged events');
        assert.equal(count('SELECT COUNT(*) AS n FROM attempts_search'), count('SELECT COUNT(*) AS n FROM attempts'));
      } finally {
        db.close();
      }
    }
    assert.deepEqual(await h.herald.retention!.purgeNow(), { attempts: 0, deliveries: 0, events: 0, idempotencyKeys: 0 }, 'a second purge finds nothing');
  });

  test('an Idempotency-Key is remembered for 24 h, then purged: the same key with another body is accepted', async (t) => {
    const { h, api, freeze } = await start(t);
    const publish = (body: Record<string, unknown>) => api.post('/v1/events', { type: 'order.placed', payload: body }, { 'idempotency-key': 'order-1' });
    const start0 = Date.now();
    const first = await publish({ n: 1 });
    assert.equal(first.status, 202, first.text);
    assert.equal(assertErrorShape(await publish({ n: 2 }), 409).code, 'CONFLICT');

    freeze(start0 + 23 * 3_600_000);
    assert.equal((await h.herald.retention!.purgeNow()).idempotencyKeys, 0);
    assert.equal((await publish({ n: 2 })).status, 409, 'still remembered after 23 h');
    assert.deepEqual((await publish({ n: 1 })).json, first.json, 'and replayed');

    freeze(start0 + 25 * 3_600_000);
    assert.equal((await h.herald.retention!.purgeNow()).idempotencyKeys, 1);
    const second = await publish({ n: 2 });
    assert.equal(second.status, 202, second.text);
    assert.notEqual(second.json.id, first.json.id, 'a new event');
    assert.deepEqual((await publish({ n: 2 })).json, second.json, 'the key now stands for the new body');
    assert.equal((await api.get(`/v1/events/${first.json.id}`)).status, 200, 'the event itself is kept: 25 h is within the retention');
  });
});
