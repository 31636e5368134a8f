import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../support/herald.ts';
import { createEndpoint, gaps, logsOf, publish, setup, sleep, waitForDelivery } from './helpers.ts';

// What a receiver sees, and what the log says, when it fails, hangs, redirects or asks to wait.

/**
 * Slack for timer precision and the claim → send path, on top of the ±20 % jitter. Generous because
 * `npm test` runs suites side by side on 2 cores; the planned delays in the log are checked exactly,
 * and no attempt may ever come early.
 */
const TOLERANCE_MS = 300;

describe('retries', () => {
  test('follow the schedule within its jitter, then end failed_permanent with one log entry per attempt', async (t) => {
    const { api, receiver } = await setup(t, { HERALD_RETRY_SCHEDULE: '100ms,200ms' });
    const endpoint = await createEndpoint(api, receiver, '/fail');
    assert.equal(endpoint.max_attempts, 3, 'default max_attempts = schedule length + 1');
    const { deliveryId, eventId } = await publish(api, endpoint.id);

    const delivery = await waitForDelivery(api, deliveryId, ['failed_permanent']);
    assert.equal(delivery.attempt_count, 3);
    assert.equal(delivery.last_error.code, 'HTTP_STATUS');
    assert.equal(delivery.response_status, 500);
    assert.equal(delivery.next_attempt_at, null);

    assert.equal(receiver.requests.length, 3);
    const [first, second] = gaps(receiver) as [number, number];
    assert.ok(first >= 80 - 5 && first <= 120 + TOLERANCE_MS, `first gap ${first} ms, schedule 100 ms ±20 %`);
    assert.ok(second >= 160 - 5 && second <= 240 + TOLERANCE_MS, `second gap ${second} ms, schedule 200 ms ±20 %`);
    t.diagnostic(`gaps between attempts: ${first} ms, ${second} ms`);
    for (const request of receiver.requests) assert.equal(request.headers['webhook-id'], eventId, 'the same webhook-id on every attempt');

    const logs = await logsOf(api, deliveryId);
    assert.deepEqual(logs.map((log) => log.attempt), [1, 2, 3]);
    assert.deepEqual(logs.map((log) => [log.status, log.http_status, log.error?.code, log.trigger]), Array(3).fill(['failed', 500, 'HTTP_STATUS', 'scheduled']));
    assert.deepEqual(logs.map((log) => log.will_retry), [true, true, false]);
    const planned = logs.slice(0, 2).map((log) => Date.parse(log.next_attempt_at) - Date.parse(log.completed_at));
    assert.ok(planned[0]! >= 80 && planned[0]! <= 120, `planned delay after attempt 1: ${planned[0]}`);
    assert.ok(planned[1]! >= 160 && planned[1]! <= 240, `planned delay after attempt 2: ${planned[1]}`);
    assert.equal(logs[2].next_attempt_at, null);
  });

  test('/flaky?fail=2 fails twice, then succeeds on attempt 3', async (t) => {
    const { api, receiver } = await setup(t);
    const endpoint = await createEndpoint(api, receiver, '/flaky?fail=2');
    const { deliveryId } = await publish(api, endpoint.id);
    const delivery = await waitForDelivery(api, deliveryId, ['succeeded', 'failed_permanent']);
    assert.equal(delivery.status, 'succeeded');
    assert.equal(delivery.attempt_count, 3);
    assert.equal(delivery.response_status, 200);
    assert.equal(delivery.last_error, null);
    assert.ok(delivery.delivered_at);
    const logs = await logsOf(api, deliveryId);
    assert.deepEqual(logs.map((log) => [log.attempt, log.status, log.http_status]), [[1, 'failed', 503], [2, 'failed', 503], [3, 'succeeded', 200]]);
    assert.equal(receiver.requests.length, 3);
  });

  test("an endpoint's max_attempts is honoured", async (t) => {
    const { api, receiver } = await setup(t); // the schedule allows 4 attempts
    const endpoint = await createEndpoint(api, receiver, '/fail', { max_attempts: 2 });
    const { deliveryId } = await publish(api, endpoint.id);
    const delivery = await waitForDelivery(api, deliveryId, ['failed_permanent']);
    assert.equal(delivery.attempt_count, 2);
    await sleep(200); // three schedule steps: a third attempt would have come by now
    assert.equal(receiver.requests.length, 2);
    assert.deepEqual((await logsOf(api, deliveryId)).map((log) => [log.attempt, log.will_retry]), [[1, true], [2, false]]);
  });
});

describe('what the receiver answers', () => {
  test('410 Gone disables the endpoint; deliveries still waiting for it end ENDPOINT_DISABLED', async (t) => {
    const { api, receiver } = await setup(t, { HERALD_CONCURRENCY: '1' }); // one at a time: the second waits behind the first
    const endpoint = await createEndpoint(api, receiver, '/gone');
    const batch = await api.post('/v1/events/batch', { events: [1, 2].map((n) => ({ type: 'invoice.paid', payload: { n }, endpoint_ids: [endpoint.id] })) });
    assert.equal(batch.status, 202, batch.text);
    const [goneId, laterId] = batch.json.data.map((event: { deliveries: Array<{ id: string }> }) => event.deliveries[0]!.id) as [string, string];

    const gone = await waitForDelivery(api, goneId, ['failed_permanent']);
    assert.equal(gone.attempt_count, 1, '410 is not retried');
    assert.equal(gone.response_status, 410);
    const disabled = (await api.get(`/v1/endpoints/${endpoint.id}`)).json;
    assert.equal(disabled.enabled, false);
    assert.match(disabled.disabled_reason ?? '', /410/);

    const later = await waitForDelivery(api, laterId, ['failed_permanent']);
    assert.equal(later.last_error?.code, 'ENDPOINT_DISABLED');
    const [entry] = await logsOf(api, laterId);
    assert.equal(entry.error?.code, 'ENDPOINT_DISABLED');
    assert.match(entry.error?.message ?? '', /disabled/);
    assert.equal(entry.http_status, null);
    assert.equal(receiver.requests.length, 1, 'nothing more was sent to the endpoint');

    const fresh = await api.post('/v1/events', { type: 'invoice.paid', payload: { n: 3 } });
    assert.deepEqual(fresh.json.deliveries, [], 'a disabled endpoint gets no new deliveries');
  });

  test('429 with Retry-After: 1 waits about a second, not the 50 ms of the schedule', async (t) => {
    const { api, receiver } = await setup(t, { HERALD_RETRY_SCHEDULE: '50ms,5s' });
    const endpoint = await createEndpoint(api, receiver, '/rate-limited?retry_after=1', { max_attempts: 2 });
    const { deliveryId } = await publish(api, endpoint.id);
    await waitForDelivery(api, deliveryId, ['failed_permanent'], 4000);
    const [gap] = gaps(receiver);
    assert.ok(gap! >= 1000 - 5 && gap! <= 1000 + TOLERANCE_MS, `gap ${gap} ms`);
    const [first] = await logsOf(api, deliveryId);
    assert.equal(first.http_status, 429);
    assert.equal(Date.parse(first.next_attempt_at) - Date.parse(first.completed_at), 1000, 'Retry-After as given, no jitter');
  });

  test("a longer Retry-After (429 or 503) is capped at the schedule's maximum", async (t) => {
    const { api, receiver } = await setup(t, { HERALD_RETRY_SCHEDULE: '50ms,5s' });
    for (const path of ['/rate-limited?retry_after=60', '/unavailable?retry_after=60']) {
      const endpoint = await createEndpoint(api, receiver, path, { max_attempts: 2 });
      const { deliveryId } = await publish(api, endpoint.id);
      const [first] = await eventually(async () => {
        const logs = await logsOf(api, deliveryId);
        return logs.length > 0 ? logs : null;
      }, 3000) ?? [];
      assert.ok(first, `a first attempt at ${path}`);
      assert.equal(first.will_retry, true);
      assert.equal(Date.parse(first.next_attempt_at) - Date.parse(first.completed_at), 5000, `${path}: capped at 5 s, the schedule's maximum`);
      assert.equal((await api.get(`/v1/deliveries/${deliveryId}`)).json.status, 'pending_retry');
    }
  });

  test('a 302 is not followed: the attempt fails with HTTP_STATUS and only /redirect is requested', async (t) => {
    const { api, receiver } = await setup(t);
    const endpoint = await createEndpoint(api, receiver, '/redirect', { max_attempts: 1 });
    const { deliveryId } = await publish(api, endpoint.id);
    const delivery = await waitForDelivery(api, deliveryId, ['failed_permanent']);
    assert.equal(delivery.response_status, 302);
    assert.equal(delivery.last_error.code, 'HTTP_STATUS');
    const [entry] = await logsOf(api, deliveryId);
    assert.deepEqual([entry.status, entry.http_status, entry.error?.code], ['failed', 302, 'HTTP_STATUS']);
    await sleep(100);
    assert.deepEqual(receiver.requests.map((request) => request.path), ['/redirect']);
  });

  test('a receiver that hangs is cut at the endpoint timeout: TIMEOUT, duration ≈ timeout_ms', async (t) => {
    const { api, receiver } = await setup(t);
    const endpoint = await createEndpoint(api, receiver, '/hang', { timeout_ms: 300, max_attempts: 1 });
    const { deliveryId } = await publish(api, endpoint.id);
    const delivery = await waitForDelivery(api, deliveryId, ['failed_permanent']);
    assert.equal(delivery.last_error.code, 'TIMEOUT');
    const [entry] = await logsOf(api, deliveryId);
    assert.equal(entry.error?.code, 'TIMEOUT');
    assert.equal(entry.http_status, null);
    assert.ok(entry.duration_ms >= 295 && entry.duration_ms <= 300 + 100, `duration ${entry.duration_ms} ms`);
  });

  test('a huge response body is kept to 64 KiB and marked truncated', async (t) => {
    const { api, receiver } = await setup(t);
    const endpoint = await createEndpoint(api, receiver, '/huge');
    const { deliveryId } = await publish(api, endpoint.id);
    const delivery = await waitForDelivery(api, deliveryId, ['succeeded', 'failed_permanent']);
    assert.equal(delivery.status, 'succeeded', 'a 200 is a success, however long');
    const [entry] = await logsOf(api, deliveryId);
    const detail = (await api.get(`/v1/logs/${entry.id}`)).json;
    assert.equal(detail.response.body.length, 65_536);
    assert.equal(detail.response.body, 'x'.repeat(65_536));
    assert.equal(detail.response.body_truncated, true);
    assert.match(detail.request.headers['webhook-signature'], /^v1,<redacted>$/, 'signatures are redacted in the log');
  });
});
