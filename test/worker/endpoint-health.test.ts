import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { operationalEventsFor, RECOVERY_MIN_STREAK_MS } from '../../src/services/operational-events.ts';
import type { AttemptOutcome } from '../../src/storage/storage.ts';
import { eventually, type ApiClient } from '../support/herald.ts';
import { createEndpoint, logsOf, publish, setup, sleep, waitForDelivery } from './helpers.ts';

// Endpoint health: HERALD_DISABLE_AFTER disables an endpoint that has only failed for that long, a
// success resets the streak, and Herald announces it with operational events (herald.*) that only
// endpoints subscribed to herald.* patterns receive.

// 9 attempts in all, ≥ 80 ms apart (100 ms - 20 % jitter); a streak of 600 ms disables.
const FAST = { HERALD_DISABLE_AFTER: '600ms', HERALD_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms' };
const MAX_ATTEMPTS = 9;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Every event of the workspace whose type starts with `herald.`, oldest first. */
async function heraldEvents(api: ApiClient): Promise<Json[]> {
  const response = await api.get('/v1/events?limit=500&sort=created_at');
  assert.equal(response.status, 200, response.text);
  return response.json.data.filter((event: Json) => event.type.startsWith('herald.'));
}
async function waitForDisabled(api: ApiClient, endpointId: string, timeoutMs = 5000): Promise<Json> {
  const endpoint = await eventually(async () => {
    const current = (await api.get(`/v1/endpoints/${endpointId}`)).json;
    return current.enabled === false ? current : null;
  }, timeoutMs);
  assert.ok(endpoint, `endpoint ${endpointId} was not disabled within ${timeoutMs} ms`);
  return endpoint;
}
/** The event types of the deliveries made to an endpoint. */
async function deliveredTypes(api: ApiClient, endpointId: string): Promise<string[]> {
  return (await api.get(`/v1/deliveries?endpoint_id=${endpointId}&limit=500`)).json.data.map((d: Json) => d.event_type);
}

const T0 = Date.parse('2026-01-15T09:30:00.000Z');

/** A hand-built recorded attempt, as the worker hands them to operationalEventsFor. */
function outcome(o: { endpointId: string; status: 'succeeded' | 'failed'; completedAt: number; deliveryStatus?: AttemptOutcome['delivery']['status']; eventType?: string }): AttemptOutcome {
  const failed = o.status === 'failed';
  const error = failed ? { code: 'HTTP_STATUS' as const, message: 'receiver answered 500' } : null;
  return {
    attempt: {
      id: `log_${o.endpointId}`, workspaceId: 'ws_1', deliveryId: `dlv_${o.endpointId}`, eventId: 'evt_1', endpointId: o.endpointId,
      endpointUrl: `https://example.com/${o.endpointId}`, eventType: o.eventType ?? 'invoice.paid', attempt: 3, trigger: 'scheduled', status: o.status,
      httpMethod: 'POST', httpStatus: failed ? 500 : 200, error, durationMs: 5, timings: { dnsMs: 0, connectMs: 1, tlsMs: null, ttfbMs: 4 },
      willRetry: false, nextAttemptAt: null, tags: {}, createdAt: o.completedAt - 5, completedAt: o.completedAt,
    },
    detail: { requestHeaders: {}, responseHeaders: {}, responseBody: '', responseBodyTruncated: false },
    delivery: {
      status: o.deliveryStatus ?? (failed ? 'failed_permanent' : 'succeeded'), runAt: null, deliveredAt: failed ? null : o.completedAt,
      responseStatus: failed ? 500 : 200, responseLatencyMs: 5, lastError: error,
    },
  };
}

describe('endpoint health', () => {
  test('failing for HERALD_DISABLE_AFTER disables the endpoint; herald.* subscribers are told; recovered after re-enabling', async (t) => {
    const { api, receiver } = await setup(t, FAST);
    const failing = await createEndpoint(api, receiver, '/fail');
    const ops = await createEndpoint(api, receiver, '/ok?sub=ops', { event_types: ['herald.*'] });
    const catchAll = (await api.post('/v1/endpoints', { url: `${receiver.base}/ok?sub=all` })).json;
    // Two deliveries: the second starts 100 ms into the failure streak (and before 600 ms, however slow
    // the machine, within reason), and its attempts come at least 80 ms apart, so its last is past
    // 100 + 8 × 80 = 740 ms: the endpoint is disabled by then, and an attempt of it finds it disabled.
    const published = [await publish(api, failing.id, { n: 1 })];
    await eventually(async () => (await logsOf(api, published[0]!.deliveryId)).length > 0);
    await sleep(100);
    published.push(await publish(api, failing.id, { n: 2 }));

    const disabled = await waitForDisabled(api, failing.id);
    assert.match(disabled.disabled_reason, /HERALD_DISABLE_AFTER/);
    assert.match(disabled.disabled_reason, /600ms/);
    const deliveries = await Promise.all(published.map(({ deliveryId }) => waitForDelivery(api, deliveryId, ['failed_permanent'])));

    // The herald.* subscriber hears of the disabling and of each delivery that failed for good.
    const events = await eventually(async () => {
      const found = await heraldEvents(api);
      return found.length >= 3 ? found : null;
    });
    assert.ok(events, 'operational events were published');
    const byType = (type: string) => events.filter((event: Json) => event.type === type);
    const [off] = byType('herald.endpoint.disabled');
    assert.equal(byType('herald.endpoint.disabled').length, 1);
    assert.equal(off.payload.type, 'herald.endpoint.disabled');
    assert.equal(off.payload.endpoint_id, failing.id);
    assert.equal(off.payload.url, failing.url);
    assert.equal(off.payload.reason, disabled.disabled_reason);
    assert.ok(Number.isFinite(Date.parse(off.payload.disabled_at)));
    const failures = byType('herald.delivery.failed_permanent');
    assert.deepEqual(failures.map((e: Json) => e.payload.delivery_id).sort(), published.map((p) => p.deliveryId).sort());
    for (const { payload } of failures) {
      const delivery = deliveries.find((d) => d.id === payload.delivery_id);
      assert.equal(payload.type, 'herald.delivery.failed_permanent');
      assert.equal(payload.event_id, delivery.event_id);
      assert.equal(payload.endpoint_id, failing.id);
      assert.equal(payload.event_type, 'invoice.paid');
      assert.equal(payload.attempts, delivery.attempt_count);
      assert.deepEqual(payload.last_error, delivery.last_error);
    }
    const toOps = await eventually(() => {
      const found = receiver.requests.filter((r) => r.path === '/ok?sub=ops');
      return found.length >= 3 ? found : null;
    });
    assert.deepEqual(new Set(toOps?.map((r) => JSON.parse(r.body))), new Set(events.map((e: Json) => e.payload)), 'each operational event was delivered to the herald.* subscriber');
    assert.deepEqual(new Set(toOps?.map((r) => r.headers['herald-event-type'])), new Set(['herald.endpoint.disabled', 'herald.delivery.failed_permanent']));

    // Attempts after the disabling send nothing and end ENDPOINT_DISABLED; a manual retry is refused meanwhile.
    const cutOff = deliveries[1];
    assert.equal(cutOff.last_error.code, 'ENDPOINT_DISABLED');
    const last = (await logsOf(api, cutOff.id)).at(-1);
    assert.deepEqual([last.error.code, last.http_status, last.will_retry], ['ENDPOINT_DISABLED', null, false]);
    assert.equal(last.attempt, cutOff.attempt_count, 'the delivery ends at once, with attempts to spare');
    assert.match(last.error.message, /disabled/);
    assert.ok(receiver.requests.filter((r) => r.path === '/fail').length < 2 * MAX_ATTEMPTS, 'the last attempt sent nothing');
    assert.equal((await api.post(`/v1/deliveries/${cutOff.id}/retry`)).status, 409);

    // A catch-all endpoint gets the product's events, never Herald's own.
    await api.post('/v1/events', { type: 'order.created', payload: {} });
    assert.ok(await eventually(() => receiver.requests.some((r) => r.path === '/ok?sub=all')), 'the catch-all endpoint got the event');
    assert.deepEqual(await deliveredTypes(api, catchAll.id), ['order.created']);
    assert.ok((await deliveredTypes(api, ops.id)).every((type) => type.startsWith('herald.')));
    const heardByAll = receiver.requests.filter((r) => r.path === '/ok?sub=all').map((r) => r.headers['herald-event-type']);
    assert.deepEqual(heardByAll, ['order.created']);

    // Fix the receiver, enable, recover: every failed delivery is delivered.
    const fixed = await api.patch(`/v1/endpoints/${failing.id}`, { url: `${receiver.base}/ok?sub=fixed`, enabled: true });
    assert.deepEqual([fixed.json.enabled, fixed.json.disabled_reason], [true, null]);
    const recovered = await api.post(`/v1/endpoints/${failing.id}/recover`, { since: new Date(Date.now() - 60_000).toISOString() });
    assert.deepEqual(recovered.json, { queued: 2 });
    for (const { deliveryId } of published) await waitForDelivery(api, deliveryId, ['succeeded']);
    assert.equal(receiver.requests.filter((r) => r.path === '/ok?sub=fixed').length, 2);
    await sleep(200);
    assert.equal((await heraldEvents(api)).filter((e) => e.type === 'herald.endpoint.recovered').length, 0, 'a streak under a minute is not announced');
  });

  test('a success in between resets the failure streak', async (t) => {
    const { api, receiver } = await setup(t, { HERALD_DISABLE_AFTER: '300ms', HERALD_RETRY_SCHEDULE: '50ms,50ms' });
    const endpoint = await createEndpoint(api, receiver, '/fail');
    const failFor = async (n: number) => {
      const { deliveryId } = await publish(api, endpoint.id, { n });
      await waitForDelivery(api, deliveryId, ['failed_permanent']);
      return { deliveryId, firstFailure: Date.parse((await logsOf(api, deliveryId))[0].created_at) };
    };
    const pointTo = async (path: string) => assert.equal((await api.patch(`/v1/endpoints/${endpoint.id}`, { url: receiver.base + path })).status, 200);

    const first = await failFor(1); // three failures in about 100 ms: a streak starts
    await pointTo('/ok');
    await waitForDelivery(api, (await publish(api, endpoint.id, { n: 2 })).deliveryId, ['succeeded']); // …and ends
    await pointTo('/fail');
    await sleep(Math.max(0, first.firstFailure + 400 - Date.now()));
    const second = await failFor(3); // 400 ms after the first failure, but a new streak
    let current = (await api.get(`/v1/endpoints/${endpoint.id}`)).json;
    assert.deepEqual([current.enabled, current.disabled_reason], [true, null], 'the success reset the streak');

    await sleep(Math.max(0, second.firstFailure + 400 - Date.now()));
    const { deliveryId } = await publish(api, endpoint.id, { n: 4 }); // no success since: this failure disables it
    current = await waitForDisabled(api, endpoint.id);
    assert.match(current.disabled_reason, /HERALD_DISABLE_AFTER/);
    await waitForDelivery(api, deliveryId, ['failed_permanent']);
    assert.deepEqual((await logsOf(api, deliveryId)).map((log) => log.error.code), ['HTTP_STATUS', 'ENDPOINT_DISABLED']);
  });

  test('a failing herald.* subscriber does not set off an endless chain of operational events', async (t) => {
    const { api, receiver } = await setup(t, FAST);
    const failing = await createEndpoint(api, receiver, '/fail');
    const badOps = await createEndpoint(api, receiver, '/fail?sub=bad-ops', { event_types: ['herald.*'] });
    const goodOps = await createEndpoint(api, receiver, '/ok?sub=good-ops', { event_types: ['herald.endpoint.*', 'herald.delivery.failed_permanent'] });
    // As in the first test: the second delivery starts 100 ms into the failure streak, so its last attempt
    // comes past 600 ms. Published together, both deliveries' 9 attempts could all end within 640–960 ms
    // (the retries' jitter), and the endpoint would then, now and again, never be disabled.
    const first = await publish(api, failing.id, { n: 1 });
    await eventually(async () => (await logsOf(api, first.deliveryId)).length > 0);
    await sleep(100);
    await publish(api, failing.id, { n: 2 });
    await waitForDisabled(api, failing.id);

    const settled = async () => {
      const open = await api.get('/v1/deliveries?status=queued,delivering,pending_retry&limit=1');
      return open.json.data.length === 0;
    };
    assert.ok(await eventually(settled, 10_000, 50), 'every delivery finished');
    const counted = (await heraldEvents(api)).length;
    await sleep(500);
    const events = await heraldEvents(api);
    assert.equal(events.length, counted, 'no more operational events once everything settled');
    assert.ok(await settled());
    // At most: two disablings (the endpoint, and maybe the failing subscriber) and one failure per product delivery.
    assert.ok(events.length >= 3 && events.length <= 4, `${events.map((e) => e.type).join(', ')}`);
    for (const event of events.filter((e) => e.type === 'herald.delivery.failed_permanent')) {
      assert.equal(event.payload.event_type, 'invoice.paid', 'failures of operational-event deliveries are never announced');
    }
    const badOpsDeliveries = (await api.get(`/v1/deliveries?endpoint_id=${badOps.id}&limit=500`)).json.data;
    assert.ok(badOpsDeliveries.every((d: Json) => d.status === 'failed_permanent'));
    const good = (await api.get(`/v1/deliveries?endpoint_id=${goodOps.id}&limit=500`)).json.data;
    assert.equal(good.length, events.length, 'the healthy subscriber got every operational event');
    assert.ok(good.every((d: Json) => d.status === 'succeeded'));
  });

  test('re-enabling gives the endpoint a fresh HERALD_DISABLE_AFTER window', async (t) => {
    const { api, receiver } = await setup(t, { HERALD_DISABLE_AFTER: '300ms', HERALD_RETRY_SCHEDULE: '50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms' });
    const endpoint = await createEndpoint(api, receiver, '/fail');
    await publish(api, endpoint.id);
    await waitForDisabled(api, endpoint.id);
    assert.equal((await api.patch(`/v1/endpoints/${endpoint.id}`, { enabled: true })).status, 200);
    const { deliveryId } = await publish(api, endpoint.id, { n: 2 });
    await eventually(async () => (await logsOf(api, deliveryId)).length > 0);
    await sleep(100); // two more failures, 150 ms into the new window
    const current = (await api.get(`/v1/endpoints/${endpoint.id}`)).json;
    assert.deepEqual([current.enabled, current.disabled_reason], [true, null], 'still enabled 150 ms after re-enabling');
  });

  // Announcing a recovery needs a failure streak of a minute: the sender stamps attempts with the wall
  // clock (not the injected one), so this rule is checked on the pure function.
  test('herald.endpoint.recovered: only after a failure streak of RECOVERY_MIN_STREAK_MS or more', () => {
    const success = outcome({ endpointId: 'ep_a', status: 'succeeded', completedAt: T0 + RECOVERY_MIN_STREAK_MS });
    const recovered = (failingSince: number) => operationalEventsFor([success], { disabled: [], recovered: [{ workspaceId: 'ws_1', endpointId: 'ep_a', failingSince }] });
    assert.deepEqual(recovered(T0), [{
      workspaceId: 'ws_1',
      type: 'herald.endpoint.recovered',
      payload: { type: 'herald.endpoint.recovered', endpoint_id: 'ep_a', url: 'https://example.com/ep_a', failing_since: new Date(T0).toISOString(), recovered_at: new Date(T0 + RECOVERY_MIN_STREAK_MS).toISOString() },
    }]);
    assert.deepEqual(recovered(T0 + 1), [], 'a streak 1 ms under a minute is not announced');
  });

  test('operational events: disabled and failed_permanent, never about deliveries of operational events', () => {
    const failedForGood = outcome({ endpointId: 'ep_a', status: 'failed', completedAt: T0, deliveryStatus: 'failed_permanent' });
    const stillRetrying = outcome({ endpointId: 'ep_a', status: 'failed', completedAt: T0, deliveryStatus: 'pending_retry' });
    const opsFailed = outcome({ endpointId: 'ep_b', status: 'failed', completedAt: T0, deliveryStatus: 'failed_permanent', eventType: 'herald.delivery.failed_permanent' });
    const events = operationalEventsFor([failedForGood, stillRetrying, opsFailed], {
      disabled: [{ workspaceId: 'ws_1', endpointId: 'ep_b', reason: 'every attempt failed for 5d (HERALD_DISABLE_AFTER)' }],
      recovered: [],
    });
    assert.deepEqual(events.map((e) => [e.type, e.payload.endpoint_id]), [['herald.endpoint.disabled', 'ep_b'], ['herald.delivery.failed_permanent', 'ep_a']]);
    assert.deepEqual(events[0]!.payload, { type: 'herald.endpoint.disabled', endpoint_id: 'ep_b', url: 'https://example.com/ep_b', reason: 'every attempt failed for 5d (HERALD_DISABLE_AFTER)', disabled_at: new Date(T0).toISOString() });
    assert.deepEqual(events[1]!.payload, {
      type: 'herald.delivery.failed_permanent', delivery_id: 'dlv_ep_a', event_id: 'evt_1', event_type: 'invoice.paid', endpoint_id: 'ep_a', endpoint_url: 'https://example.com/ep_a',
      attempts: 3, last_error: { code: 'HTTP_STATUS', message: 'receiver answered 500' }, failed_at: new Date(T0).toISOString(),
    });
  });
});
