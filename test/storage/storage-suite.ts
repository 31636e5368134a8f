import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { newId } from '../../src/domain/ids.ts';
import type { KeysetPosition, SortKey } from '../../src/storage/list-query.ts';
import type { AttemptRecord, DeliveryRecord } from '../../src/storage/records.ts';
import type { AttemptSortField, Storage } from '../../src/storage/storage.ts';
import { T0, newEvent, outcomeFor, publishOne, seedWorkspace } from './fixtures.ts';

const MARGIN = 10_000;

/**
 * The behaviour every storage backend must share, run against real databases.
 * `open` gives a fresh, migrated, empty database each time; the suite closes it.
 */
export function runStorageSuite(name: string, open: () => Promise<Storage>): void {
  describe(`${name} storage`, () => {
    let storage: Storage;
    beforeEach(async () => {
      storage = await open();
    });
    afterEach(async () => {
      await storage.close();
    });

    test('migrating again is harmless and keeps the data', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      await storage.migrate();
      await storage.migrate();
      assert.equal((await storage.getEndpoint(workspaceId, endpoint.id))?.url, endpoint.url);
      assert.equal(await storage.ping(), true);
    });

    test('publishEvents writes events and deliveries together, or nothing at all', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const first = newEvent(workspaceId, [endpoint]);
      const second = newEvent(workspaceId, [endpoint]);
      second.deliveries[0]!.id = first.deliveries[0]!.id; // the second delivery breaks the primary key
      await assert.rejects(storage.publishEvents(workspaceId, [first, second], null));
      assert.equal(await storage.getEvent(workspaceId, first.event.id), null, 'the first event was rolled back too');
      assert.equal(await storage.countEvents({ workspaceId }), 0);
      assert.equal(await storage.countDeliveries({ workspaceId }), 0);
      assert.deepEqual(await storage.claimDueDeliveries(T0 + 1000, 10, MARGIN), []);

      const good = newEvent(workspaceId, [endpoint]);
      assert.deepEqual(await storage.publishEvents(workspaceId, [good], null), { kind: 'created' });
      assert.equal((await storage.getDelivery(workspaceId, good.deliveries[0]!.id))?.status, 'queued');
    });

    test('an idempotency key replays the first answer and refuses a different body', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const claim = { key: 'order-1', requestHash: 'hash-a', response: '{"id":"first"}', notBefore: T0 - 86_400_000 };
      assert.deepEqual(await storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint])], claim), { kind: 'created' });
      assert.deepEqual(await storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint])], claim), { kind: 'replayed', response: '{"id":"first"}' });
      assert.deepEqual(await storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint])], { ...claim, requestHash: 'hash-b' }), { kind: 'conflict' });
      assert.equal(await storage.countEvents({ workspaceId }), 1);
    });

    test('claimDueDeliveries takes only due deliveries, oldest first, at most `limit`', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      // One endpoint each, so fairness between endpoints (below) leaves due order alone.
      const others = await Promise.all([1, 2, 3, 4].map(async () => (await seedWorkspace(storage)).endpoint));
      const due: DeliveryRecord[] = [];
      for (const [index, offset] of [40, 10, 30, 0, 20].entries()) {
        const target = index === 0 ? endpoint : others[index - 1]!;
        due.push(await publishOne(storage, target.workspaceId, target, T0 + offset));
      }
      const later = [await publishOne(storage, workspaceId, endpoint, T0 + 5000), await publishOne(storage, workspaceId, endpoint, T0 + 5001)];
      const byRunAt = [...due].sort((a, b) => a.runAt! - b.runAt!).map((d) => d.id);

      const first = await storage.claimDueDeliveries(T0 + 100, 3, MARGIN);
      assert.deepEqual(first.map((c) => c.delivery.id), byRunAt.slice(0, 3));
      for (const claimed of first) {
        assert.equal(claimed.attempt, 1);
        assert.equal(claimed.trigger, 'scheduled');
        assert.equal(claimed.payload, '{"n":1}');
        assert.equal(claimed.endpoint?.id, claimed.delivery.endpointId);
        assert.equal((await storage.getDelivery(claimed.delivery.workspaceId, claimed.delivery.id))?.status, 'delivering');
      }
      const rest = await storage.claimDueDeliveries(T0 + 100, 10, MARGIN);
      assert.deepEqual(rest.map((c) => c.delivery.id), byRunAt.slice(3));
      assert.deepEqual(await storage.claimDueDeliveries(T0 + 4999, 10, MARGIN), [], 'nothing else is due yet');
      assert.equal(await storage.nextRunAt(), T0 + 5000);
      const claimedLater = await storage.claimDueDeliveries(T0 + 5001, 10, MARGIN);
      assert.deepEqual(claimedLater.map((c) => c.delivery.id), later.map((d) => d.id));
      assert.equal(await storage.nextRunAt(), T0 + 100 + endpoint.timeoutMs + MARGIN, 'now the earliest lease end');
    });

    test('claims are fair between endpoints: a backlog of one leaves room for another, and a share stays free', async () => {
      const { workspaceId, endpoint: busy } = await seedWorkspace(storage);
      const { endpoint: quiet } = await seedWorkspace(storage);
      for (let n = 0; n < 30; n++) await publishOne(storage, workspaceId, busy, T0 + n);
      const first = await storage.claimDueDeliveries(T0 + 100, 8, MARGIN);
      assert.equal(first.length, 6, 'a single endpoint gets its share (2 of 8) and borrows all but a share of the rest');
      const late = await publishOne(storage, quiet.workspaceId, quiet, T0 + 50);
      const next = await storage.claimDueDeliveries(T0 + 100, 8, MARGIN);
      assert.equal(next[0]?.delivery.id, late.id, 'the other endpoint is served first although 23 older deliveries wait');
      assert.ok(next.every((claimed) => claimed.delivery.id === late.id || claimed.delivery.endpointId === busy.id));
    });

    test('an expired lease is claimed again, with the same attempt number', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage, { timeoutMs: 1000 });
      const delivery = await publishOne(storage, workspaceId, endpoint);
      const [claimed] = await storage.claimDueDeliveries(T0, 10, MARGIN);
      assert.equal(claimed?.delivery.id, delivery.id);
      assert.equal(claimed?.attempt, 1);
      const leaseEnd = T0 + endpoint.timeoutMs + MARGIN;
      assert.equal((await storage.getDelivery(workspaceId, delivery.id))?.runAt, leaseEnd, 'lease = endpoint timeout + margin');
      assert.deepEqual(await storage.claimDueDeliveries(T0 + 1, 10, MARGIN), [], 'held while the lease runs');
      assert.deepEqual(await storage.claimDueDeliveries(leaseEnd - 1, 10, MARGIN), [], 'still held 1 ms before it ends');
      const [again] = await storage.claimDueDeliveries(leaseEnd, 10, MARGIN);
      assert.equal(again?.delivery.id, delivery.id, 'the worker that held it is presumed dead');
      assert.equal(again?.attempt, 1, 'no attempt was recorded, so the number does not move');
      assert.equal((await storage.getDelivery(workspaceId, delivery.id))?.runAt, leaseEnd + endpoint.timeoutMs + MARGIN, 'a new lease');
    });

    test('a late outcome from an expired lease does not undo a success', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage, { timeoutMs: 1000 });
      const delivery = await publishOne(storage, workspaceId, endpoint);
      await storage.claimDueDeliveries(T0, 10, MARGIN); // worker A stalls past its lease…
      const leaseEnd = T0 + endpoint.timeoutMs + MARGIN;
      const [again] = await storage.claimDueDeliveries(leaseEnd, 10, MARGIN); // …so worker B takes over
      assert.equal(again?.attempt, 1);
      await storage.recordOutcomes([outcomeFor(delivery, { httpStatus: 200, createdAt: leaseEnd + 1 })]);
      await storage.recordOutcomes([outcomeFor(delivery, { httpStatus: 500, createdAt: T0 + 5, nextAttemptAt: leaseEnd + 5000 })]); // A wakes up

      const current = await storage.getDelivery(workspaceId, delivery.id);
      assert.deepEqual([current?.status, current?.runAt, current?.lastError], ['succeeded', null, null], 'delivered stays delivered');
      assert.equal((await storage.listAttemptsOfDelivery(workspaceId, delivery.id)).length, 2, 'both attempts are in the log');
      assert.deepEqual(await storage.claimDueDeliveries(leaseEnd + 10_000, 10, MARGIN), [], 'and it is not sent again');
    });

    test('releaseDeliveries gives deliveries back as they were, due at the given time', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const fresh = await publishOne(storage, workspaceId, endpoint);
      const retried = await publishOne(storage, workspaceId, endpoint);
      await storage.claimDueDeliveries(T0, 10, MARGIN);
      await storage.recordOutcomes([outcomeFor(retried, { httpStatus: 500, nextAttemptAt: T0 + 50 })]);
      assert.equal((await storage.claimDueDeliveries(T0 + 50, 10, MARGIN)).length, 1);

      await storage.releaseDeliveries([{ deliveryId: fresh.id, runAt: T0 + 700 }, { deliveryId: retried.id, runAt: T0 + 800 }]);
      const [afterFresh, afterRetried] = [await storage.getDelivery(workspaceId, fresh.id), await storage.getDelivery(workspaceId, retried.id)];
      assert.deepEqual([afterFresh?.status, afterFresh?.runAt, afterFresh?.attemptCount], ['queued', T0 + 700, 0]);
      assert.deepEqual([afterRetried?.status, afterRetried?.runAt, afterRetried?.attemptCount], ['pending_retry', T0 + 800, 1]);
      assert.deepEqual(await storage.claimDueDeliveries(T0 + 699, 10, MARGIN), []);
      const [next] = await storage.claimDueDeliveries(T0 + 750, 10, MARGIN);
      assert.deepEqual([next?.delivery.id, next?.attempt], [fresh.id, 1], 'a release does not count an attempt');
    });

    test('recordOutcomes writes the attempt, its detail and the delivery state', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const delivery = await publishOne(storage, workspaceId, endpoint);
      await storage.claimDueDeliveries(T0, 10, MARGIN);
      const failed = outcomeFor(delivery, { httpStatus: 503, createdAt: T0 + 5, nextAttemptAt: T0 + 5000 });
      await storage.recordOutcomes([failed]);

      const stored = await storage.getAttempt(workspaceId, failed.attempt.id);
      assert.deepEqual(stored, { attempt: failed.attempt, detail: failed.detail });
      let current = await storage.getDelivery(workspaceId, delivery.id);
      assert.deepEqual(
        [current?.status, current?.attemptCount, current?.runAt, current?.responseStatus, current?.lastError, current?.deliveredAt],
        ['pending_retry', 1, T0 + 5000, 503, failed.delivery.lastError, null],
      );

      const [claimed] = await storage.claimDueDeliveries(T0 + 5000, 10, MARGIN);
      assert.equal(claimed?.attempt, 2);
      const succeeded = outcomeFor(delivery, { attempt: 2, httpStatus: 204, createdAt: T0 + 5001, durationMs: 9 });
      await storage.recordOutcomes([succeeded]);
      current = await storage.getDelivery(workspaceId, delivery.id);
      assert.deepEqual(
        [current?.status, current?.attemptCount, current?.runAt, current?.responseStatus, current?.lastError, current?.deliveredAt, current?.responseLatencyMs],
        ['succeeded', 2, null, 204, null, T0 + 5010, 9],
      );
      const attempts = await storage.listAttemptsOfDelivery(workspaceId, delivery.id);
      assert.deepEqual(attempts.map((a) => [a.attempt, a.status, a.httpStatus]), [[1, 'failed', 503], [2, 'succeeded', 204]]);
      assert.deepEqual(await storage.claimDueDeliveries(T0 + 999_999, 10, MARGIN), [], 'a succeeded delivery is never claimed again');
    });

    test('recordOutcomes is one transaction: a bad outcome in the batch leaves nothing', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const [a, b] = [await publishOne(storage, workspaceId, endpoint), await publishOne(storage, workspaceId, endpoint)];
      await storage.claimDueDeliveries(T0, 10, MARGIN);
      const first = outcomeFor(a);
      const clash = outcomeFor(b, { id: first.attempt.id });
      await assert.rejects(storage.recordOutcomes([first, clash]));
      assert.equal(await storage.getAttempt(workspaceId, first.attempt.id), null);
      assert.equal((await storage.getDelivery(workspaceId, a.id))?.status, 'delivering');
      assert.equal(await storage.countAttempts({ workspaceId }), 0);
    });

    test('a 410 outcome disables the endpoint with its reason', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const delivery = await publishOne(storage, workspaceId, endpoint);
      await storage.claimDueDeliveries(T0, 10, MARGIN);
      await storage.recordOutcomes([{ ...outcomeFor(delivery, { httpStatus: 410, nextAttemptAt: null }), disableEndpoint: { reason: 'the receiver answered 410 Gone' } }]);
      const after = await storage.getEndpoint(workspaceId, endpoint.id);
      assert.deepEqual([after?.enabled, after?.disabledReason], [false, 'the receiver answered 410 Gone']);
      assert.deepEqual(await storage.listEndpointRoutes(workspaceId), []);
      assert.equal((await storage.getDelivery(workspaceId, delivery.id))?.status, 'failed_permanent');
    });

    test('fan-out routes follow every endpoint change (they are cached by version)', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const routes = async () => (await storage.listEndpointRoutes(workspaceId)).map((r) => `${r.id} ${r.url} ${JSON.stringify(r.eventTypes)}`);
      assert.deepEqual(await routes(), [`${endpoint.id} ${endpoint.url} null`]);
      assert.deepEqual(await routes(), [`${endpoint.id} ${endpoint.url} null`], 'read again from the cache');
      const second = { ...endpoint, id: newId('ep'), url: 'https://second.example.com/in', createdAt: T0 + 1 };
      await storage.createEndpoint(second);
      assert.equal((await routes()).length, 2, 'a new endpoint');
      await storage.updateEndpoint(workspaceId, second.id, { url: 'https://moved.example.com/in', eventTypes: ['call.*'], updatedAt: T0 + 3 });
      assert.deepEqual((await routes())[1], `${second.id} https://moved.example.com/in ["call.*"]`, 'URL and event types');
      await storage.updateEndpoint(workspaceId, second.id, { enabled: false, disabledReason: 'off', updatedAt: T0 + 4 });
      assert.deepEqual(await routes(), [`${endpoint.id} ${endpoint.url} null`], 'disabled');
      await storage.updateEndpoint(workspaceId, second.id, { enabled: true, disabledReason: null, updatedAt: T0 + 5 });
      assert.equal((await routes()).length, 2, 'enabled again');
      await storage.deleteEndpoint(workspaceId, endpoint.id, T0 + 2);
      assert.deepEqual((await routes()).map((line) => line.split(' ')[0]), [second.id], 'deleted');
    });

    test('a publish given the version of its routes writes nothing once the endpoints changed since', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const { version, routes } = await storage.routesForPublish(workspaceId, { fresh: true });
      assert.deepEqual(routes.map((r) => r.id), [endpoint.id]);
      const first = newEvent(workspaceId, [endpoint]);
      assert.deepEqual(await storage.publishEvents(workspaceId, [first], null, version), { kind: 'created' }, 'routes still current');
      await storage.createEndpoint({ ...endpoint, id: newId('ep'), url: 'https://second.example.com/in', createdAt: T0 + 1 });
      const second = newEvent(workspaceId, [endpoint]);
      assert.deepEqual(await storage.publishEvents(workspaceId, [second], null, version), { kind: 'stale_routes' });
      assert.equal(await storage.getEvent(workspaceId, second.event.id), null, 'nothing written');
      assert.deepEqual(await storage.listDeliveriesOfEvents(workspaceId, [second.event.id]), []);
      const idempotency = { key: 'k1', requestHash: 'h', response: '{}', notBefore: 0 };
      assert.deepEqual(await storage.publishEvents(workspaceId, [second], idempotency, version), { kind: 'stale_routes' }, 'with a key too');
      const fresh = await storage.routesForPublish(workspaceId, { fresh: true });
      assert.notEqual(fresh.version, version);
      assert.equal(fresh.routes.length, 2);
      assert.deepEqual(await storage.publishEvents(workspaceId, [second], idempotency, fresh.version), { kind: 'created' }, 'the key was not spent by the refused write');
      assert.equal((await storage.getEvent(workspaceId, second.event.id))?.id, second.event.id);
      assert.deepEqual(await storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint])], null), { kind: 'created' }, 'without a version: unchecked');
    });

    test('a retry requested during an attempt queues a manual attempt once it is recorded', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const delivery = await publishOne(storage, workspaceId, endpoint);
      await storage.claimDueDeliveries(T0, 10, MARGIN);
      const requested = await storage.requestRetry(workspaceId, delivery.id, T0 + 10);
      assert.equal(requested.kind === 'queued' && requested.delivery.status, 'delivering', 'the attempt in flight is left alone');
      await storage.recordOutcomes([outcomeFor(delivery, { httpStatus: 500, nextAttemptAt: null, createdAt: T0 + 20 })]);
      assert.equal((await storage.getDelivery(workspaceId, delivery.id))?.status, 'queued');
      const [claimed] = await storage.claimDueDeliveries(T0 + 100, 10, MARGIN);
      assert.deepEqual([claimed?.delivery.id, claimed?.attempt, claimed?.trigger], [delivery.id, 2, 'manual']);
      assert.equal((await storage.requestRetry(workspaceId, newId('dlv'), T0)).kind, 'not_found');
    });

    test('a delivery to a deleted endpoint is claimed with endpoint null', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      await publishOne(storage, workspaceId, endpoint);
      assert.equal(await storage.deleteEndpoint(workspaceId, endpoint.id, T0), true);
      const [claimed] = await storage.claimDueDeliveries(T0, 10, MARGIN);
      assert.equal(claimed?.endpoint, null);
    });

    test('takeRateSlot: a burst of rate_limit_per_s slots, then one every 1000/R ms', async () => {
      const { endpoint } = await seedWorkspace(storage);
      const waits = [];
      for (let i = 0; i < 6; i++) waits.push(await storage.takeRateSlot(endpoint.id, 5, T0));
      assert.deepEqual(waits.slice(0, 5), [0, 0, 0, 0, 0], 'a burst of 5');
      assert.equal(waits[5], 200, 'the 6th waits one interval');
      assert.ok((await storage.takeRateSlot(endpoint.id, 5, T0 + 100)) > 0, 'still no slot 100 ms later');
      assert.equal(await storage.takeRateSlot(endpoint.id, 5, T0 + 200), 0, 'a slot frees up after 200 ms');
      assert.ok((await storage.takeRateSlot(endpoint.id, 5, T0 + 200)) > 0, 'and only one');
      assert.equal(await storage.takeRateSlot(endpoint.id, 5, T0 + 10_000), 0, 'an idle endpoint has its burst back');
    });

    test("another workspace's rows are invisible", async () => {
      const mine = await seedWorkspace(storage);
      const theirs = await seedWorkspace(storage);
      const delivery = await publishOne(storage, mine.workspaceId, mine.endpoint);
      assert.equal(await storage.getEndpoint(theirs.workspaceId, mine.endpoint.id), null);
      assert.equal(await storage.getDelivery(theirs.workspaceId, delivery.id), null);
      assert.equal(await storage.getEvent(theirs.workspaceId, delivery.eventId), null);
      assert.equal(await storage.countDeliveries({ workspaceId: theirs.workspaceId }), 0);
      assert.equal(await storage.deleteEndpoint(theirs.workspaceId, mine.endpoint.id, T0), false);
    });

    test('keyset pages over attempts walk every row exactly once, whatever the sort', async () => {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const deliveries: DeliveryRecord[] = [];
      for (let i = 0; i < 5; i += 1) deliveries.push(await publishOne(storage, workspaceId, endpoint));
      const statuses = [null, 200, 201, 404, 500, 503];
      const outcomes = Array.from({ length: 200 }, (_, i) =>
        outcomeFor(deliveries[i % 5]!, {
          attempt: 1 + (i % 4),
          httpStatus: statuses[Math.floor(Math.random() * statuses.length)]!,
          durationMs: 10 * (1 + Math.floor(Math.random() * 8)), // many equal durations
          createdAt: T0 + Math.floor(Math.random() * 20), // many equal timestamps
        }),
      );
      await storage.recordOutcomes(outcomes);
      const all = outcomes.map((o) => o.attempt);

      const sorts: Array<Array<SortKey<AttemptSortField>>> = [
        [{ field: 'created_at', descending: true }],
        [{ field: 'created_at', descending: false }],
        [{ field: 'duration_ms', descending: true }, { field: 'http_status', descending: false }],
        [{ field: 'http_status', descending: false }, { field: 'created_at', descending: true }],
        [{ field: 'http_status', descending: true }, { field: 'attempt', descending: false }, { field: 'duration_ms', descending: true }],
        [{ field: 'attempt', descending: false }, { field: 'duration_ms', descending: false }],
      ];
      for (const sort of sorts) {
        const label = sort.map((key) => `${key.descending ? '-' : ''}${key.field}`).join(',');
        for (const limit of [7, 50]) {
          const walked: string[] = [];
          let after: KeysetPosition | undefined;
          for (let pages = 0; pages < 100; pages += 1) {
            const page = await storage.listAttempts({ workspaceId }, { sort, limit, ...(after ? { after } : {}) });
            walked.push(...page.rows.map((row) => row.id));
            const last = page.rows.at(-1);
            if (!page.hasMore || !last) break;
            after = { values: sort.map((key) => sortValue(last, key.field)), id: last.id };
          }
          assert.equal(new Set(walked).size, walked.length, `${label} (limit ${limit}): no row twice`);
          assert.deepEqual(walked, expectedOrder(all, sort), `${label} (limit ${limit}): every row, in order`);
        }
      }
    });
  });
}

/** A row's value for a sort field, as storage compares it (no response sorts as status 0). */
function sortValue(row: AttemptRecord, field: AttemptSortField): number {
  if (field === 'created_at') return row.createdAt;
  if (field === 'duration_ms') return row.durationMs;
  if (field === 'http_status') return row.httpStatus ?? 0;
  return row.attempt;
}

/** The order the API promises: each key in its direction, then the id in the last key's direction. */
function expectedOrder(rows: AttemptRecord[], sort: Array<SortKey<AttemptSortField>>): string[] {
  const idDescending = sort.at(-1)?.descending ?? true;
  return [...rows]
    .sort((a, b) => {
      for (const key of sort) {
        const diff = sortValue(a, key.field) - sortValue(b, key.field);
        if (diff !== 0) return key.descending ? -diff : diff;
      }
      const byId = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return idDescending ? -byId : byId;
    })
    .map((row) => row.id);
}
