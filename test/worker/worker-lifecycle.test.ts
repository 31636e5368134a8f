import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openStorage } from '../../src/storage/open-storage.ts';
import { eventually, startTestHerald } from '../support/herald.ts';
import { startReceiver } from '../support/receiver.ts';
import { createEndpoint, logsOf, publish, setup, sleep, waitForDelivery } from './helpers.ts';

// How the worker paces, picks up, retries on request, gives up on deleted endpoints and stops.

describe('pace and pick-up', () => {
  test('rate_limit_per_s 5: 15 events take about 2 s to arrive, never more than 10 in a second', async (t) => {
    const { api, receiver } = await setup(t);
    const endpoint = await createEndpoint(api, receiver, '/ok', { rate_limit_per_s: 5 });
    const events = Array.from({ length: 15 }, (_, n) => ({ type: 'invoice.paid', payload: { n }, endpoint_ids: [endpoint.id] }));
    const batch = await api.post('/v1/events/batch', { events });
    assert.equal(batch.status, 202, batch.text);
    const requests = await receiver.waitForRequests(15, 6000);
    const times = requests.map((request) => request.at);
    const span = times.at(-1)! - times[0]!;
    t.diagnostic(`15 requests at 5/s spanned ${span} ms`);
    assert.ok(span >= 1800, `span ${span} ms: 5 at once, then one every 200 ms`);
    for (const start of times) {
      const inWindow = times.filter((at) => at >= start && at < start + 950).length;
      assert.ok(inWindow <= 10, `${inWindow} requests within 950 ms of ${start}: burst 5 + 5 per second at most`);
    }
    const succeeded = await eventually(async () => (await api.get(`/v1/deliveries?endpoint_id=${endpoint.id}&status=succeeded&count=true`)).json.meta.total === 15, 3000);
    assert.ok(succeeded, 'all 15 delivered');
    const logs = (await api.get(`/v1/logs?endpoint_id=${endpoint.id}&limit=100`)).json.data;
    assert.equal(logs.length, 15, 'a held delivery is not an attempt: one log entry each');
  });

  test('new work is picked up at once: publish → receiver in under 100 ms (p50 of 20)', async (t) => {
    const { api, receiver } = await setup(t);
    const endpoint = await createEndpoint(api, receiver, '/ok');
    await publish(api, endpoint.id); // warm up connections
    await receiver.waitForRequests(1);
    await sleep(1200); // let the worker fall into its idle poll sleep
    const latencies: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const started = Date.now();
      await publish(api, endpoint.id, { i });
      const [arrived] = (await receiver.waitForRequests(i + 2, 2000)).slice(i + 1);
      latencies.push(arrived!.at - started);
      await sleep(i % 5 === 0 ? 300 : 20);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[9]!;
    t.diagnostic(`publish → receiver latency: p50 ${p50} ms, max ${latencies.at(-1)} ms (${latencies.join(', ')})`);
    assert.ok(p50 < 100, `p50 ${p50} ms`);
  });
});

describe('manual retry and deleted endpoints', () => {
  test('retrying a failed_permanent delivery makes one new attempt with trigger manual', async (t) => {
    const { api, receiver } = await setup(t);
    const endpoint = await createEndpoint(api, receiver, '/fail', { max_attempts: 1 });
    const { deliveryId } = await publish(api, endpoint.id);
    await waitForDelivery(api, deliveryId, ['failed_permanent']);

    const retry = await api.post(`/v1/deliveries/${deliveryId}/retry`);
    assert.equal(retry.status, 202, retry.text);
    assert.equal(retry.json.delivery_id, deliveryId);
    const logs = await eventually(async () => {
      const entries = await logsOf(api, deliveryId);
      return entries.length === 2 ? entries : null;
    }, 3000);
    assert.ok(logs, 'a second log entry');
    assert.deepEqual(logs.map((log) => [log.attempt, log.trigger]), [[1, 'scheduled'], [2, 'manual']]);
    const delivery = await waitForDelivery(api, deliveryId, ['failed_permanent']);
    assert.equal(delivery.attempt_count, 2);
    await sleep(200);
    assert.equal(receiver.requests.length, 2, 'exactly one new attempt; max_attempts does not schedule more');
    assert.equal((await logsOf(api, deliveryId)).length, 2);
  });

  test('deleting an endpoint ends its pending deliveries with ENDPOINT_DISABLED, without sending', async (t) => {
    const { api, receiver } = await setup(t, { HERALD_RETRY_SCHEDULE: '300ms' });
    const endpoint = await createEndpoint(api, receiver, '/fail');
    const ids: string[] = [];
    for (let n = 0; n < 3; n += 1) ids.push((await publish(api, endpoint.id, { n })).deliveryId);
    await receiver.waitForRequests(3);
    for (const id of ids) await waitForDelivery(api, id, ['pending_retry']);
    assert.equal((await api.delete(`/v1/endpoints/${endpoint.id}`)).status, 204);

    for (const id of ids) {
      const delivery = await waitForDelivery(api, id, ['failed_permanent', 'succeeded'], 3000);
      assert.equal(delivery.status, 'failed_permanent');
      assert.equal(delivery.last_error?.code, 'ENDPOINT_DISABLED');
      const logs = await logsOf(api, id);
      assert.deepEqual(logs.map((log) => log.error?.code), ['HTTP_STATUS', 'ENDPOINT_DISABLED']);
      assert.match(logs[1].error.message, /deleted/);
    }
    assert.equal(receiver.requests.length, 3, 'nothing was sent after the delete');
  });
});

describe('graceful stop', () => {
  test('stop() while an attempt is in flight lets it finish and records it', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-stop-'));
    const receiver = await startReceiver();
    t.after(async () => {
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const h = await startTestHerald({}, { dataDir });
    const endpoint = await createEndpoint(h.api, receiver, '/slow?ms=500');
    const { deliveryId } = await publish(h.api, endpoint.id);
    await receiver.waitForRequests(1);

    const stopping = Date.now();
    await h.herald.stop();
    const stoppedAfter = Date.now() - stopping;
    assert.ok(stoppedAfter >= 350, `stop waited ${stoppedAfter} ms for the attempt in flight`);

    // Read what the stopped Herald left, on its own storage (SQLite file or PostgreSQL schema), then remove it.
    const storage = await openStorage(h.herald.ctx.config.databaseUrl);
    t.after(async () => {
      await storage.close();
      await h.close();
    });
    const [workspace] = (await storage.listWorkspaces({ sort: [{ field: 'created_at', descending: false }], limit: 10 })).rows;
    const delivery = await storage.getDelivery(workspace!.id, deliveryId);
    assert.equal(delivery?.status, 'succeeded');
    assert.equal(delivery?.attemptCount, 1);
    const attempts = await storage.listAttemptsOfDelivery(workspace!.id, deliveryId);
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]?.status, 'succeeded');
    assert.ok(attempts[0]!.durationMs >= 500, `duration ${attempts[0]?.durationMs} ms`);
    assert.equal(receiver.requests.length, 1);
  });
});
