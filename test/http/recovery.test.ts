import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertErrorShape, eventually, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { logsOf, sleep, waitForDelivery } from '../worker/helpers.ts';
import { createEndpoint, newWorkspace, publish, waitForSettledLog, type Workspace } from './fixtures.ts';

// Bulk re-delivery: `POST /v1/endpoints/{id}/recover {since, until?}` re-queues failed_permanent
// deliveries created in [since, until); `POST /v1/logs/retry?<log filters>` retries every delivery with
// a matching entry. Schedule 20 ms: deliveries to /fail end failed_permanent after 2 attempts.

describe('recovery and bulk retry', () => {
  let h: TestHerald;
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
    h = await startTestHerald({ HERALD_RETRY_SCHEDULE: '20ms' });
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  /** A workspace of its own with an endpoint at `path` (receiver), marked so its requests can be told apart. */
  async function workspaceWith(path: string, marker: string, extra: Record<string, unknown> = {}): Promise<{ ws: Workspace; endpoint: { id: string } }> {
    const ws = await newWorkspace(h, marker);
    const endpoint = await createEndpoint(ws.api, { url: `${receiver.base}${path}?ep=${marker}`, ...extra });
    return { ws, endpoint };
  }
  const requestsTo = (marker: string) => receiver.requests.filter((request) => request.path.endsWith(`ep=${marker}`)).length;
  async function deliveryCount(api: ApiClient, query: string): Promise<number> {
    const response = await api.get(`/v1/deliveries?${query}&count=true&limit=1`);
    assert.equal(response.status, 200, response.text);
    return response.json.meta.total;
  }

  test('recover re-queues the failed_permanent deliveries created in [since, until); after the fix they succeed', async () => {
    const { ws, endpoint } = await workspaceWith('/fail', 'window');
    const created: Array<{ id: string; at: string; delivery: string }> = [];
    for (let n = 0; n < 5; n += 1) {
      const event = await publish(ws.api, { type: 'invoice.paid', payload: { n }, endpoint_ids: [endpoint.id] });
      created.push({ id: event.id, at: event.created_at, delivery: event.deliveries[0].id });
      await sleep(3); // distinct created_at, so the window's edges are exact
    }
    for (const { delivery } of created) await waitForDelivery(ws.api, delivery, ['failed_permanent']);
    const patched = await ws.api.patch(`/v1/endpoints/${endpoint.id}`, { url: `${receiver.base}/ok?ep=window` });
    assert.equal(patched.status, 200, patched.text);

    // since = the 2nd event's created_at (included), until = the 5th's (excluded): the 2nd, 3rd and 4th.
    const recovered = await ws.api.post(`/v1/endpoints/${endpoint.id}/recover`, { since: created[1]!.at, until: created[4]!.at });
    assert.equal(recovered.status, 202, recovered.text);
    assert.deepEqual(recovered.json, { queued: 3 });
    for (const { delivery } of created.slice(1, 4)) {
      const done = await waitForDelivery(ws.api, delivery, ['succeeded']);
      assert.equal(done.attempt_count, 3);
      const logs = await logsOf(ws.api, delivery);
      assert.deepEqual(logs.map((log) => [log.attempt, log.trigger, log.status]), [[1, 'scheduled', 'failed'], [2, 'scheduled', 'failed'], [3, 'manual', 'succeeded']]);
    }
    await sleep(150);
    for (const { delivery } of [created[0]!, created[4]!]) {
      assert.equal((await ws.api.get(`/v1/deliveries/${delivery}`)).json.status, 'failed_permanent', 'outside the window: untouched');
      assert.equal((await logsOf(ws.api, delivery)).length, 2);
    }
    assert.equal(requestsTo('window'), 5 * 2 + 3);

    const again = await ws.api.post(`/v1/endpoints/${endpoint.id}/recover`, { since: created[1]!.at, until: created[4]!.at });
    assert.deepEqual(again.json, { queued: 0 }, 'nothing failed is left in the window');
    const untilNow = await ws.api.post(`/v1/endpoints/${endpoint.id}/recover`, { since: created[0]!.at });
    assert.deepEqual(untilNow.json, { queued: 2 }, 'until defaults to now');
    for (const { delivery } of [created[0]!, created[4]!]) await waitForDelivery(ws.api, delivery, ['succeeded']);
  });

  test('recover: 409 while the endpoint is disabled, 422 for bad times, 404 for an unknown endpoint', async () => {
    const { ws, endpoint } = await workspaceWith('/ok', 'errors');
    const recover = (body: unknown, id = endpoint.id, api = ws.api) => api.post(`/v1/endpoints/${id}/recover`, body);
    const since = new Date(Date.now() - 3_600_000).toISOString();

    assert.equal((await ws.api.patch(`/v1/endpoints/${endpoint.id}`, { enabled: false })).status, 200);
    const conflict = assertErrorShape(await recover({ since }), 409);
    assert.equal(conflict.code, 'CONFLICT');
    assert.match(conflict.message, /disabled/);
    assert.equal((await ws.api.patch(`/v1/endpoints/${endpoint.id}`, { enabled: true })).status, 200);
    assert.deepEqual((await recover({ since })).json, { queued: 0 });

    const now = Date.now();
    const bad: unknown[] = [
      { since: 'yesterday' }, { since: '' }, { since: '2026-13-45T99:00:00Z' }, { since, until: 'later' },
      { since: new Date(now).toISOString(), until: new Date(now - 1000).toISOString() },
      { since: new Date(now).toISOString(), until: new Date(now).toISOString() },
      { since: new Date(now + 3_600_000).toISOString() }, // after "now", the default until
      {}, { since: 12345 }, { since, extra: true },
    ];
    for (const body of bad) assert.equal(assertErrorShape(await recover(body), 422).code, 'VALIDATION_FAILED', JSON.stringify(body));

    assert.equal(assertErrorShape(await recover({ since }, 'ep_0123456789abcdef0123456789abcdef'), 404).code, 'ENDPOINT_NOT_FOUND');
    const stranger = await newWorkspace(h, 'stranger');
    assert.equal(assertErrorShape(await recover({ since }, endpoint.id, stranger.api), 404).code, 'ENDPOINT_NOT_FOUND', "another workspace's endpoint");
  });

  test('bulk retry queues each DISTINCT delivery with a matching entry once; disabled endpoints are skipped', async () => {
    const ws = await newWorkspace(h, 'bulk');
    const failing = await createEndpoint(ws.api, { url: `${receiver.base}/fail?ep=bulk-fail` });
    const flaky = await createEndpoint(ws.api, { url: `${receiver.base}/flaky?fail=1&ep=bulk-flaky` });
    const disabled = await createEndpoint(ws.api, { url: `${receiver.base}/fail?ep=bulk-off` });
    for (const n of [1, 2]) await publish(ws.api, { type: 'invoice.paid', payload: { n }, endpoint_ids: [failing.id] });
    await publish(ws.api, { type: 'invoice.paid', payload: { n: 3 }, endpoint_ids: [flaky.id, disabled.id] });
    let rows = await waitForSettledLog(ws.api);
    assert.equal(rows.length, 2 * 2 + 2 + 2, '2 failed entries per /fail delivery; a failure and a success for /flaky');
    assert.equal((await ws.api.patch(`/v1/endpoints/${disabled.id}`, { enabled: false })).status, 200);

    // 4 failed entries, 2 deliveries: queued counts deliveries, not entries.
    const one = await ws.api.post(`/v1/logs/retry?status=failed&endpoint_id=${failing.id}`);
    assert.equal(one.status, 202, one.text);
    assert.deepEqual(one.json, { queued: 2, skipped: 0 });
    rows = await waitForSettledLog(ws.api);
    assert.deepEqual(rows.filter((row) => row.trigger === 'manual').map((row) => [row.endpoint_id, row.attempt]), [[failing.id, 3], [failing.id, 3]]);
    assert.equal(requestsTo('bulk-fail'), 2 * 3);

    // The whole workspace: /fail's 2 deliveries; /flaky's delivery has a failed entry although it ended succeeded.
    const all = await ws.api.post('/v1/logs/retry?status=failed');
    assert.equal(all.status, 202, all.text);
    assert.deepEqual(all.json, { queued: 3, skipped: 1 }, 'the disabled endpoint\'s delivery is skipped');
    await waitForSettledLog(ws.api);
    assert.equal(requestsTo('bulk-off'), 2, 'nothing sent to the disabled endpoint');

    assert.equal(assertErrorShape(await ws.api.post('/v1/logs/retry'), 400).code, 'INVALID_REQUEST');
    assert.equal(assertErrorShape(await ws.api.post('/v1/logs/retry?limit=10'), 400).code, 'INVALID_REQUEST');
    assert.equal(assertErrorShape(await ws.api.post('/v1/logs/retry?status=bogus'), 400).code, 'INVALID_REQUEST');
    assert.deepEqual((await ws.api.post('/v1/logs/retry?search=nowhere')).json, { queued: 0, skipped: 0 });
  });

  test('2,500 failed deliveries: bulk retry and recover count every one across batches', async () => {
    const ws = await newWorkspace(h, 'many');
    const closed = await startReceiver();
    const refused = `${closed.base}/down`;
    await closed.close();
    const endpoint = await createEndpoint(ws.api, { url: refused, max_attempts: 1 });
    const since = new Date(Date.now() - 1000).toISOString();
    for (const size of [1000, 1000, 500]) {
      const events = Array.from({ length: size }, (_, n) => ({ type: 'bulk.test', payload: { n }, endpoint_ids: [endpoint.id] }));
      assert.equal((await ws.api.post('/v1/events/batch', { events })).status, 202);
    }
    const allFailed = async () => (await deliveryCount(ws.api, `endpoint_id=${endpoint.id}&status=failed_permanent`)) === 2500;
    assert.ok(await eventually(allFailed, 30_000, 100), '2,500 deliveries failed_permanent');

    // 2,500 entries, more than one page of the bulk retry's scan; disabled, so each is counted as skipped and nothing is sent.
    assert.equal((await ws.api.patch(`/v1/endpoints/${endpoint.id}`, { enabled: false })).status, 200);
    const retried = await ws.api.post(`/v1/logs/retry?status=failed&endpoint_id=${endpoint.id}`);
    assert.equal(retried.status, 202, retried.text);
    assert.deepEqual(retried.json, { queued: 0, skipped: 2500 });
    assert.equal((await ws.api.post(`/v1/endpoints/${endpoint.id}/recover`, { since })).status, 409);

    const patched = await ws.api.patch(`/v1/endpoints/${endpoint.id}`, { url: `${receiver.base}/ok?ep=many`, enabled: true });
    assert.equal(patched.status, 200, patched.text);
    const recovered = await ws.api.post(`/v1/endpoints/${endpoint.id}/recover`, { since });
    assert.equal(recovered.status, 202, recovered.text);
    assert.deepEqual(recovered.json, { queued: 2500 });
    assert.equal(await deliveryCount(ws.api, `endpoint_id=${endpoint.id}&status=failed_permanent`), 0, 'every one re-queued (or already delivered)');
    assert.ok(await eventually(async () => (await deliveryCount(ws.api, `endpoint_id=${endpoint.id}&status=succeeded`)) > 0), 'and they are being delivered');
  });
});
