import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryRecord, EndpointRecord } from '../../src/storage/records.ts';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { AttemptOutcome, Storage } from '../../src/storage/storage.ts';
import { eventually } from '../support/herald.ts';
import { PostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { TEST_DATABASE_URL, postgresSchemas, postgresSkipReason, withAdminClient } from '../support/postgres.ts';
import { T0, newEvent, outcomeFor, publishOne, seedWorkspace } from './fixtures.ts';

// The PostgreSQL queue under concurrency: SKIP LOCKED claims, batched outcomes, NOTIFY wake-ups.

const skip = await postgresSkipReason();
const databases = postgresSchemas();
const sqliteDir = mkdtempSync(join(tmpdir(), 'herald-pg-parity-'));
after(async () => {
  await databases.dropAll();
  rmSync(sqliteDir, { recursive: true, force: true });
});
const MARGIN = 10_000;

describe('PostgreSQL queue', { skip }, () => {
  test('two processes claiming at once take disjoint sets, and together every due delivery', async () => {
    const first = await databases.open();
    const schema = first.schema!;
    const second = new PostgresStorage(TEST_DATABASE_URL, { schema, poolSize: 4 });
    try {
      const { workspaceId, endpoint } = await seedWorkspace(first);
      // Thirty endpoints: claims are fair between endpoints, so one endpoint alone could not have every row in flight.
      const endpoints = [endpoint, ...await Promise.all(Array.from({ length: 29 }, async () => (await seedWorkspace(first)).endpoint))];
      const events = Array.from({ length: 300 }, (_, i) => {
        const target = endpoints[i % endpoints.length]!;
        return newEvent(target.workspaceId, [target], { runAt: T0 + (i % 50) });
      });
      for (const created of events) await first.publishEvents(created.event.workspaceId, [created], null);
      const all = events.map((created) => created.deliveries[0]!.id).sort();

      const claimAll = async (storage: Storage): Promise<string[]> => {
        const mine: string[] = [];
        for (;;) {
          const claimed = await Promise.all([storage.claimDueDeliveries(T0 + 100, 7, MARGIN), storage.claimDueDeliveries(T0 + 100, 7, MARGIN)]);
          const ids = claimed.flat().map((c) => c.delivery.id);
          if (ids.length === 0) return mine;
          mine.push(...ids);
        }
      };
      const [a, b] = await Promise.all([claimAll(first), claimAll(second)]);
      assert.ok(a.length > 0 && b.length > 0, `both claimed some (${a.length} / ${b.length})`);
      assert.equal(new Set([...a, ...b]).size, a.length + b.length, 'no delivery claimed twice');
      assert.deepEqual([...a, ...b].sort(), all, 'none lost');
    } finally {
      await second.close();
      await first.close();
    }
  });

  test('a claim skips rows another transaction holds, without waiting for it', async () => {
    const storage = await databases.open();
    try {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const held = await publishOne(storage, workspaceId, endpoint, T0);
      const free = await publishOne(storage, workspaceId, endpoint, T0 + 1);
      await withAdminClient(async (client) => {
        await client.query('BEGIN');
        await client.query('SELECT id FROM deliveries WHERE id = $1 FOR UPDATE', [held.id]);
        const started = Date.now();
        const claimed = await storage.claimDueDeliveries(T0 + 10, 10, MARGIN);
        assert.deepEqual(claimed.map((c) => c.delivery.id), [free.id]);
        assert.ok(Date.now() - started < 1000, 'did not wait for the lock');
        await client.query('ROLLBACK');
      }, storage.schema!);
      const [later] = await storage.claimDueDeliveries(T0 + 10, 10, MARGIN);
      assert.equal(later?.delivery.id, held.id, 'taken once the other transaction let go');
    } finally {
      await storage.close();
    }
  });

  test('attempts in flight per endpoint (herald_leases_held): live leases only, read by an index scan at every call', async (t) => {
    const storage = await databases.open();
    try {
      const { workspaceId, endpoint: busy } = await seedWorkspace(storage);
      const quiet = (await seedWorkspace(storage)).endpoint;
      await withAdminClient(async (client) => {
        // 3,000 attempts made and finished: each left an entry in deliveries_in_flight, dead until VACUUM,
        // and with no statistics yet the table looks small: the planner's own choice is a bitmap scan.
        await client.query(
          `INSERT INTO deliveries (id, workspace_id, event_id, endpoint_id, endpoint_url, event_type, status, attempt_count, run_at, next_trigger, created_at, tags)
           SELECT 'dlv_done_' || g, $1, 'evt_' || g, $2, 'u', 't', 'delivering', 0, $3::bigint + 60000, 'scheduled', $3::bigint, '{}' FROM generate_series(1, 3000) g`,
          [workspaceId, busy.id, T0],
        );
        await client.query(`UPDATE deliveries SET status = 'succeeded', attempt_count = 1, run_at = NULL WHERE id LIKE 'dlv_done_%'`);
      }, storage.schema!);
      // …and in flight: 5 live leases of `busy` (2 more ended), 1 of `quiet`.
      for (const [endpoint, leaseEnd] of [[busy, 1], [busy, 1], [busy, 1], [busy, 1], [busy, 1], [busy, -1], [busy, -1], [quiet, 1]] as const) {
        const delivery = await publishOne(storage, endpoint.workspaceId, endpoint, T0);
        await withAdminClient((client) => client.query(`UPDATE deliveries SET status = 'delivering', run_at = $2 WHERE id = $1`, [delivery.id, T0 + leaseEnd * 60_000]), storage.schema!);
      }
      await withAdminClient(async (client) => {
        const plans: string[] = [];
        client.on('notice', (notice) => plans.push(String(notice.message)));
        const explained = await client.query("LOAD 'auto_explain'").then(() => true, () => false);
        if (explained) {
          await client.query("SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = 'notice'");
        }
        // More calls than PostgreSQL's five custom plans, so the cached (generic) plan is seen too.
        for (let call = 0; call < 8; call += 1) {
          const held = await client.query('SELECT endpoint_id, n FROM herald_leases_held($1) ORDER BY endpoint_id', [T0]);
          assert.deepEqual(
            Object.fromEntries(held.rows.map((row) => [row.endpoint_id, Number(row.n)])),
            { [busy.id]: 5, [quiet.id]: 1 },
            `call ${call + 1}: ended leases are not counted`,
          );
        }
        if (!explained) {
          t.diagnostic('auto_explain is not installed: the scan type was not checked');
          return;
        }
        // An index scan marks the dead entries it meets; a bitmap scan would visit the table for each, at every claim.
        const inner = plans.filter((plan) => plan.includes('deliveries'));
        assert.equal(inner.length, 8, `the function's query was explained at each call:\n${plans.join('\n')}`);
        for (const plan of inner) {
          assert.match(plan, /Index (Only )?Scan using deliveries_in_flight/, plan);
          assert.doesNotMatch(plan, /Bitmap|Seq Scan/, plan);
        }
      }, storage.schema!);
    } finally {
      await storage.close();
    }
  });

  test('recording the same batch twice (a retry after a lost commit answer) changes nothing the second time', async () => {
    const storage = await databases.open();
    try {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const delivery = await publishOne(storage, workspaceId, endpoint);
      await storage.claimDueDeliveries(T0, 10, MARGIN);
      const failed = outcomeFor(delivery, { httpStatus: 500, createdAt: T0 + 5, nextAttemptAt: T0 + 5000 });
      await storage.recordOutcomes([failed]);
      await storage.requestRetry(workspaceId, delivery.id, T0 + 6);
      const before = await storage.getDelivery(workspaceId, delivery.id);
      await storage.recordOutcomes([failed]);
      assert.deepEqual(await storage.getDelivery(workspaceId, delivery.id), before);
      assert.equal(await storage.countAttempts({ workspaceId }), 1);
    } finally {
      await storage.close();
    }
  });

  test('outcomes, endpoint health and its changes match SQLite, batch by batch', async () => {
    const pg = await databases.open();
    const sqlite = new SqliteStorage(join(sqliteDir, 'health.db'));
    await sqlite.migrate();
    try {
      const results = [];
      for (const storage of [pg, sqlite] as Storage[]) results.push(await healthScript(storage));
      assert.deepEqual(results[0], results[1]);
    } finally {
      await pg.close();
      await sqlite.close();
    }
  });

  test('LISTEN: a publish, a retry and recorded outcomes wake listeners in other processes; other schemas do not', async () => {
    const listening = await databases.open();
    const writing = new PostgresStorage(TEST_DATABASE_URL, { schema: listening.schema!, poolSize: 2 });
    const elsewhere = await databases.open();
    try {
      const deliveries: Array<string | null> = [];
      const attempts: Array<string | null> = [];
      const stopDeliveries = await listening.listen('herald_deliveries', (payload) => deliveries.push(payload));
      const stopAttempts = await listening.listen('herald_attempts', (payload) => attempts.push(payload));

      const other = await seedWorkspace(elsewhere);
      await publishOne(elsewhere, other.workspaceId, other.endpoint);
      const { workspaceId, endpoint } = await seedWorkspace(writing);
      const delivery = await publishOne(writing, workspaceId, endpoint);
      assert.ok(await eventually(() => deliveries.length === 1, 2000), 'woken by the publish');
      await writing.claimDueDeliveries(T0, 10, MARGIN);
      await writing.recordOutcomes([outcomeFor(delivery, { httpStatus: 500, nextAttemptAt: T0 + 5000 })]);
      assert.ok(await eventually(() => attempts.length === 1, 2000), 'woken by the outcome');
      await writing.requestRetry(workspaceId, delivery.id, T0 + 10);
      assert.ok(await eventually(() => deliveries.length === 2, 2000), 'woken by the retry');
      await sleep(100);
      assert.deepEqual([deliveries.length, attempts.length], [2, 1], 'the other schema woke no one here');

      await stopDeliveries();
      await writing.requestRetry(workspaceId, delivery.id, T0 + 20);
      await writing.recordOutcomes([outcomeFor(delivery, { attempt: 2, httpStatus: 200, createdAt: T0 + 30 })]);
      assert.ok(await eventually(() => attempts.length === 2, 2000));
      assert.equal(deliveries.length, 2, 'no longer listening to deliveries');
      await stopAttempts();
    } finally {
      await writing.close();
      await listening.close();
      await elsewhere.close();
    }
  });

  test('LISTEN survives a dropped connection: it comes back, says so, and is woken again', async () => {
    const reported: Error[] = [];
    const storage = await databases.open({ onError: (error) => reported.push(error) });
    try {
      const heard: Array<string | null> = [];
      await storage.listen('herald_deliveries', (payload) => heard.push(payload));
      const pid = storage.listenerPid;
      assert.ok(pid);
      await withAdminClient((client) => client.query('SELECT pg_terminate_backend($1)', [pid]));
      assert.ok(await eventually(() => heard.includes(null), 3000), 'told it may have missed notifications');
      assert.notEqual(storage.listenerPid, pid, 'a new connection');
      assert.ok(reported.length > 0, 'the drop was reported');
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      await publishOne(storage, workspaceId, endpoint);
      assert.ok(await eventually(() => heard.includes(''), 2000), 'woken again');
    } finally {
      await storage.close();
    }
  });
});

/**
 * A fixed story of outcomes over two endpoints, recorded in batches: failures start a streak, a
 * success ends it (recovered), a long streak disables, a 410 disables, a late outcome of a
 * delivery with a newer one in the same batch. Returns everything a backend should agree on.
 */
async function healthScript(storage: Storage): Promise<unknown> {
  const { workspaceId, endpoint: a } = await seedWorkspace(storage, { id: 'ep_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
  const b: EndpointRecord = { ...a, id: 'ep_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', url: 'https://b.example.com/in' };
  await storage.createEndpoint(b);
  const publish = async (endpoint: EndpointRecord, n: number): Promise<DeliveryRecord> => {
    const created = newEvent(workspaceId, [endpoint], { runAt: T0 });
    created.event.id = `evt_${String(n).padStart(32, '0')}`;
    created.deliveries[0]!.id = `dlv_${String(n).padStart(32, '0')}`;
    created.deliveries[0]!.eventId = created.event.id;
    await storage.publishEvents(workspaceId, [created], null);
    return created.deliveries[0]!;
  };
  const [a1, a2, b1, b2] = [await publish(a, 1), await publish(a, 2), await publish(b, 3), await publish(b, 4)];
  await storage.claimDueDeliveries(T0, 10, MARGIN);
  const id = (n: number) => `log_${String(n).padStart(32, '0')}`;
  const disableAfter = (cutoff: number) => ({ disableIfFailingSince: { cutoff, reason: 'failing for too long' } });
  const batches: AttemptOutcome[][] = [
    [outcomeFor(a1, { id: id(1), httpStatus: 500, createdAt: T0 + 10 }), outcomeFor(b1, { id: id(2), httpStatus: null, createdAt: T0 + 11 })],
    [
      outcomeFor(a1, { id: id(3), attempt: 2, httpStatus: 200, createdAt: T0 + 20 }),
      { ...outcomeFor(b1, { id: id(4), attempt: 2, httpStatus: 503, createdAt: T0 + 21 }), ...disableAfter(T0 + 15) },
      outcomeFor(a2, { id: id(5), httpStatus: 502, createdAt: T0 + 22 }),
    ],
    [
      { ...outcomeFor(a2, { id: id(6), attempt: 2, httpStatus: 410, createdAt: T0 + 30, nextAttemptAt: null }), disableEndpoint: { reason: 'gone' } },
      outcomeFor(b2, { id: id(7), httpStatus: 200, createdAt: T0 + 31 }),
      outcomeFor(b2, { id: id(8), attempt: 2, httpStatus: 500, createdAt: T0 + 32 }), // same delivery twice in one batch
    ],
  ];
  const changes = [];
  for (const batch of batches) changes.push(await storage.recordOutcomes(batch));
  const endpoints = await Promise.all([a.id, b.id].map(async (endpointId) => {
    const endpoint = await storage.getEndpoint(workspaceId, endpointId);
    return [endpoint?.enabled, endpoint?.disabledReason, endpoint?.updatedAt];
  }));
  const deliveries = await Promise.all([a1, a2, b1, b2].map(async (d) => {
    const current = await storage.getDelivery(workspaceId, d.id);
    return [current?.status, current?.attemptCount, current?.runAt, current?.responseStatus, current?.lastError, current?.deliveredAt];
  }));
  const scrub = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll(workspaceId, 'ws'));
  return scrub({ changes, endpoints, deliveries });
}
