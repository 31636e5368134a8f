import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { apiClient, assertErrorShape, eventually, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { at, createEndpoint, publish, waitForSettledLog } from './fixtures.ts';

type Row = { id: string; [field: string]: unknown };
const ids = (rows: Row[]) => rows.map((row) => row.id).sort();

describe('deliveries', () => {
  let h: TestHerald;
  let receiver: Receiver;
  let all: Row[] = [];
  const ep = { ok: '', fail: '' };
  const evt = { ended: '', paid: '' };

  before(async () => {
    [h, receiver] = await Promise.all([startTestHerald({ HERALD_RETRY_SCHEDULE: '20ms,20ms' }), startReceiver()]);
    ep.ok = (await createEndpoint(h.api, { url: at(receiver.base, '/ok', 'ok') })).id;
    ep.fail = (await createEndpoint(h.api, { url: at(receiver.base, '/fail', 'fail'), event_types: ['call.*'] })).id;
    evt.ended = (await publish(h.api, { type: 'call.ended', payload: { call: 1 }, tags: { call_id: 'c1' } })).id;
    evt.paid = (await publish(h.api, { type: 'invoice.paid', payload: { invoice: 2 }, tags: { call_id: 'c2' } })).id;
    await waitForSettledLog(h.api);
    all = (await h.api.get('/v1/deliveries?limit=500')).json.data;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  async function expectDeliveries(query: string, keep: (row: Row) => boolean) {
    const expected = ids(all.filter(keep));
    assert.ok(expected.length > 0 && expected.length < all.length, `${query} should select some deliveries`);
    const response = await h.api.get(`/v1/deliveries?${query}`);
    assert.equal(response.status, 200, `${query}: ${response.text}`);
    assert.deepEqual(ids(response.json.data), expected, query);
  }

  test('the list has the contract fields and the settled statuses', () => {
    assert.equal(all.length, 3);
    for (const row of all) {
      assert.deepEqual(Object.keys(row).sort(), [
        'attempt_count', 'created_at', 'delivered_at', 'endpoint_id', 'endpoint_url', 'event_id', 'event_type', 'id', 'last_error',
        'next_attempt_at', 'response_latency_ms', 'response_status', 'status', 'tags',
      ]);
    }
    const failed = all.find((row) => row.endpoint_id === ep.fail)!;
    assert.deepEqual([failed.status, failed.attempt_count, failed.response_status, (failed.last_error as { code: string }).code], ['failed_permanent', 3, 500, 'HTTP_STATUS']);
    assert.equal(failed.delivered_at, null);
    for (const row of all.filter((r) => r.endpoint_id === ep.ok)) assert.deepEqual([row.status, row.attempt_count, row.response_status, row.last_error], ['succeeded', 1, 200, null]);
  });

  test('every attempt of a delivery carries the event id as webhook-id and a valid signature', async () => {
    const secret = (await h.api.get(`/v1/endpoints/${ep.fail}/secret`)).json.secret;
    const sent = receiver.requests.filter((r) => r.path.endsWith('ep=fail'));
    assert.equal(sent.length, 3);
    for (const request of sent) {
      assert.equal(request.headers['webhook-id'], evt.ended);
      assert.doesNotThrow(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>));
    }
  });

  test('filters: endpoint_id, event_id, status (comma list), event_type, tag', async () => {
    await expectDeliveries(`endpoint_id=${ep.ok}`, (row) => row.endpoint_id === ep.ok);
    await expectDeliveries(`endpoint_id=${ep.fail}`, (row) => row.endpoint_id === ep.fail);
    await expectDeliveries(`event_id=${evt.ended}`, (row) => row.event_id === evt.ended);
    await expectDeliveries('status=succeeded', (row) => row.status === 'succeeded');
    await expectDeliveries('status=failed_permanent,queued', (row) => row.status === 'failed_permanent');
    await expectDeliveries('event_type=invoice.paid', (row) => row.event_type === 'invoice.paid');
    await expectDeliveries('tag[call_id]=c1', (row) => row.event_id === evt.ended);
    await expectDeliveries(`event_id=${evt.ended}&status=succeeded`, (row) => row.event_id === evt.ended && row.status === 'succeeded');
    assert.equal(assertErrorShape(await h.api.get('/v1/deliveries?status=lost'), 400).code, 'INVALID_REQUEST');
  });

  test('GET /v1/deliveries/{id} has its attempts; an unknown id answers 404 DELIVERY_NOT_FOUND', async () => {
    const failed = all.find((row) => row.endpoint_id === ep.fail)!;
    const response = await h.api.get(`/v1/deliveries/${failed.id}`);
    assert.equal(response.status, 200, response.text);
    const { attempts, ...delivery } = response.json;
    assert.deepEqual(delivery, failed);
    assert.deepEqual(attempts.map((a: { attempt: number; delivery_id: string; status: string }) => [a.attempt, a.delivery_id, a.status]), [[1, failed.id, 'failed'], [2, failed.id, 'failed'], [3, failed.id, 'failed']]);
    assert.equal(assertErrorShape(await h.api.get('/v1/deliveries/dlv_0123456789abcdef0123456789abcdef'), 404).code, 'DELIVERY_NOT_FOUND');
  });

  test('POST /v1/deliveries/{id}/retry answers 202 and a new manual attempt is made', async () => {
    const delivered = all.find((row) => row.endpoint_id === ep.ok && row.event_id === evt.paid)!;
    const sentBefore = receiver.requests.filter((r) => r.headers['webhook-id'] === evt.paid).length;
    const response = await h.api.post(`/v1/deliveries/${delivered.id}/retry`);
    assert.equal(response.status, 202, response.text);
    assert.equal(response.json.delivery_id, delivered.id);
    const attempts = await eventually(async () => {
      const got = (await h.api.get(`/v1/deliveries/${delivered.id}`)).json;
      return got.status === 'succeeded' && got.attempts.length === 2 ? got.attempts : null;
    }, 5000);
    assert.ok(attempts, 'the manual attempt was made');
    assert.deepEqual(attempts.map((a: { attempt: number; trigger: string }) => [a.attempt, a.trigger]), [[1, 'scheduled'], [2, 'manual']]);
    assert.equal(receiver.requests.filter((r) => r.headers['webhook-id'] === evt.paid).length, sentBefore + 1, 'the receiver got it again, same webhook-id');
  });

  test('retry while the endpoint is disabled answers 409 CONFLICT', async () => {
    const failed = all.find((row) => row.endpoint_id === ep.fail)!;
    assert.equal((await h.api.patch(`/v1/endpoints/${ep.fail}`, { enabled: false })).status, 200);
    try {
      assert.equal(assertErrorShape(await h.api.post(`/v1/deliveries/${failed.id}/retry`), 409).code, 'CONFLICT');
      const log = (await h.api.get(`/v1/logs?delivery_id=${failed.id}&limit=1`)).json.data[0];
      assert.equal(assertErrorShape(await h.api.post(`/v1/logs/${log.id}/retry`), 409).code, 'CONFLICT');
    } finally {
      await h.api.patch(`/v1/endpoints/${ep.fail}`, { enabled: true });
    }
    assert.equal(assertErrorShape(await h.api.post('/v1/deliveries/dlv_0123456789abcdef0123456789abcdef/retry'), 404).code, 'DELIVERY_NOT_FOUND');
  });

  describe('an endpoint disabled or deleted while a retry waits', () => {
    let slow: TestHerald;
    before(async () => {
      slow = await startTestHerald({ HERALD_RETRY_SCHEDULE: '1s' });
    });
    after(async () => {
      await slow?.close();
    });

    const delivery = async (id: string) => (await slow.api.get(`/v1/deliveries/${id}`)).json;
    const until = async (id: string, status: string) => {
      const found = await eventually(async () => ((await delivery(id)).status === status ? delivery(id) : null), 5000);
      assert.ok(found, `delivery ${id} never reached ${status}`);
      return found;
    };

    test('ends failed_permanent with ENDPOINT_DISABLED, is refused a retry, and can be retried once enabled', async () => {
      const disabled = await createEndpoint(slow.api, { url: at(receiver.base, '/flaky?fail=1', 'disabled-meanwhile') });
      const deleted = await createEndpoint(slow.api, { url: at(receiver.base, '/flaky?fail=1', 'deleted-meanwhile') });
      const toDisabled = (await publish(slow.api, { type: 'job.done', payload: {}, endpoint_ids: [disabled.id] })).deliveries[0].id;
      const toDeleted = (await publish(slow.api, { type: 'job.done', payload: {}, endpoint_ids: [deleted.id] })).deliveries[0].id;
      await until(toDisabled, 'pending_retry');
      await until(toDeleted, 'pending_retry');
      assert.equal((await slow.api.patch(`/v1/endpoints/${disabled.id}`, { enabled: false })).status, 200);
      assert.equal((await slow.api.delete(`/v1/endpoints/${deleted.id}`)).status, 204);

      for (const id of [toDisabled, toDeleted]) {
        const ended = await until(id, 'failed_permanent');
        assert.equal(ended.last_error?.code, 'ENDPOINT_DISABLED', JSON.stringify(ended));
        assert.equal(assertErrorShape(await slow.api.post(`/v1/deliveries/${id}/retry`), 409).code, 'CONFLICT');
      }
      const logs = (await slow.api.get(`/v1/logs?endpoint_id=${deleted.id}&sort=attempt`)).json.data;
      assert.equal(logs[0]?.http_status, 503, "a deleted endpoint's log stays readable");

      assert.equal((await slow.api.patch(`/v1/endpoints/${disabled.id}`, { enabled: true })).status, 200);
      assert.equal((await slow.api.post(`/v1/deliveries/${toDisabled}/retry`)).status, 202);
      const recovered = await until(toDisabled, 'succeeded');
      assert.equal(recovered.response_status, 200);
    });
  });

  describe('operations', () => {
    let anonymous: ApiClient;
    before(() => {
      anonymous = apiClient(h.url, null);
    });

    test('an unknown route answers 404 NOT_FOUND in the error shape', async () => {
      assert.equal(assertErrorShape(await h.api.get('/v1/nothing-here'), 404).code, 'NOT_FOUND');
      assert.equal(assertErrorShape(await anonymous.post('/v2/events', {}), 404).code, 'NOT_FOUND');
    });

    test('every response carries X-Request-Id, each a new one', async () => {
      const responses = await Promise.all([
        anonymous.get('/healthz'), anonymous.get('/readyz'), anonymous.get('/metrics'), anonymous.get('/openapi.json'),
        anonymous.get('/v1/events'), h.api.get('/v1/events'), h.api.get('/v1/nothing'), h.api.post('/v1/events', { type: 'x y' }),
        h.api.get(`/v1/endpoints/${ep.ok}`), h.api.raw('DELETE', '/v1/endpoints/ep_0123456789abcdef0123456789abcdef'),
      ]);
      const requestIds = responses.map((response) => response.headers.get('x-request-id'));
      for (const id of requestIds) assert.match(String(id), /^req_/);
      assert.equal(new Set(requestIds).size, requestIds.length);
      const list = responses[5]!;
      assert.equal(list.json.meta.request_id, list.headers.get('x-request-id'));
    });

    test('/healthz and /readyz answer 200 without a key', async () => {
      assert.equal((await anonymous.get('/healthz')).status, 200);
      assert.equal((await anonymous.get('/readyz')).status, 200);
    });

    test('/readyz answers 503 in the error shape when storage does not answer; /healthz still 200', async () => {
      const apiOnly = await startTestHerald({ HERALD_ROLE: 'api' });
      try {
        await apiOnly.herald.storage.close();
        const anyone = apiClient(apiOnly.url, null);
        assertErrorShape(await anyone.get('/readyz'), 503);
        assert.equal((await anyone.get('/healthz')).status, 200);
      } finally {
        await apiOnly.close().catch(() => rmSync(apiOnly.dataDir, { recursive: true, force: true }));
      }
    });

    test('/metrics is Prometheus text with attempts and queue depth', async () => {
      const response = await anonymous.get('/metrics');
      assert.equal(response.status, 200);
      assert.match(String(response.headers.get('content-type')), /^text\/plain/);
      assert.match(response.text, /^# TYPE herald_attempts_total counter$/m);
      assert.match(response.text, /^# TYPE herald_queue_depth gauge$/m);
      const attempts = [...response.text.matchAll(/^herald_attempts_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      assert.ok(attempts >= 4, `herald_attempts_total counts the attempts made (${attempts})`);
      assert.match(response.text, /^herald_queue_depth\{state="due"\} \d+$/m);
      assert.match(response.text, /^herald_queue_depth\{state="scheduled"\} \d+$/m);
    });

    const CORE_PATHS = [
      '/v1/workspaces', '/v1/workspaces/{id}/api-keys', '/v1/api-keys/{id}',
      '/v1/endpoints', '/v1/endpoints/{id}', '/v1/endpoints/{id}/secret', '/v1/endpoints/{id}/secret/rotate', '/v1/endpoints/{id}/test', '/v1/endpoints/{id}/logs',
      '/v1/events', '/v1/events/batch', '/v1/events/{id}',
      '/v1/deliveries', '/v1/deliveries/{id}', '/v1/deliveries/{id}/retry',
      '/v1/logs', '/v1/logs/{id}', '/v1/logs/{id}/retry',
      '/healthz', '/readyz', '/metrics',
    ];

    test('/openapi.json is OpenAPI 3.1 with a path for every core route', async () => {
      const response = await anonymous.get('/openapi.json');
      assert.equal(response.status, 200);
      assert.match(response.json.openapi, /^3\.1\./);
      const paths = Object.keys(response.json.paths);
      const missing = CORE_PATHS.filter((path) => !paths.includes(path));
      assert.deepEqual(missing, []);
      assert.ok(response.json.paths['/v1/events'].post, 'POST /v1/events is documented');
      assert.ok(response.json.paths['/v1/logs'].get.parameters.some((p: { name: string }) => p.name === 'http_status'), 'the log filters are documented');
    });

    test('/openapi.json documents the rest of API.md', async () => {
      const paths = Object.keys((await anonymous.get('/openapi.json')).json.paths);
      const missing = ['/v1/endpoints/{id}/recover', '/v1/endpoints/{id}/stats', '/v1/logs/stream', '/v1/logs/export'].filter((path) => !paths.includes(path));
      assert.deepEqual(missing, []);
    });
  });
});
