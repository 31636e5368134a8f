import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { newId } from '../../src/domain/ids.ts';
import type { PostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import type { DeliveryRecord, EndpointRecord } from '../../src/storage/records.ts';
import { FAIR_SCAN_ROWS } from '../../src/storage/sql/fair-claim.ts';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { ClaimAfter, Storage } from '../../src/storage/storage.ts';
import { postgresSchemas, postgresSkipReason, withAdminClient } from '../support/postgres.ts';
import { T0, newEvent, outcomeFor } from './fixtures.ts';

// PostgreSQL claims in one statement must choose exactly what the step-by-step claim of the SQLite
// backend chooses (both follow sql/fair-claim.ts): the same deliveries, in the same order, whatever
// the mix of endpoints, shares, backlog, retries and borrowing; and the next run time each claim tells
// the worker must be what nextRunAt() answers right after it.

const skip = await postgresSkipReason();
const databases = postgresSchemas();
after(() => databases.dropAll());
/** Leases never end within a story, so no two due deliveries share a due time and due order is one order. */
const MARGIN = 1_000_000_000;
/** Claims are this far apart: a backend may remember for a few ms that nothing but full endpoints was due. */
const CLAIM_GAP_MS = 100;

type Step =
  | { kind: 'publish'; endpoint: number; count: number; offset: number }
  | { kind: 'claim'; limit: number }
  | { kind: 'record'; count: number; fail: boolean; retryIn: number }
  | { kind: 'advance'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), endpoint: fc.nat(4), count: fc.integer({ min: 1, max: 25 }), offset: fc.integer({ min: -2500, max: 300 }) }),
  fc.record({ kind: fc.constant('claim' as const), limit: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ kind: fc.constant('record' as const), count: fc.integer({ min: 1, max: 12 }), fail: fc.boolean(), retryIn: fc.integer({ min: -3000, max: 2000 }) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2500 }) }),
);

/** Five endpoints of one workspace, with different timeouts, created in both backends. */
async function seed(backends: Storage[]): Promise<EndpointRecord[]> {
  const workspaceId = newId('ws');
  const endpoints = [1000, 2000, 3000, 4000, 5000].map((timeoutMs): EndpointRecord => ({
    id: newId('ep'), workspaceId, url: `https://hooks.example.com/${timeoutMs}`, description: null, eventTypes: null,
    method: 'POST', headers: {}, secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', previousSecret: null, previousSecretExpiresAt: null,
    enabled: true, disabledReason: null, timeoutMs, maxAttempts: 5, rateLimitPerS: null, metadata: {}, createdAt: T0, updatedAt: T0,
  }));
  for (const storage of backends) {
    await storage.createWorkspace({ id: workspaceId, name: 'default', createdAt: T0 });
    for (const endpoint of endpoints) await storage.createEndpoint(endpoint);
  }
  return endpoints;
}

/** Plays `steps` on both backends; fails at the first claim on which they differ. */
async function playStory(pg: PostgresStorage, steps: Step[]): Promise<void> {
  const sqlite = new SqliteStorage(':memory:');
  await sqlite.migrate();
  try {
    const endpoints = await seed([pg, sqlite]);
    let now = T0 + 10_000;
    const used = new Set<number>();
    const uniqueTime = (at: number): number => {
      while (used.has(at)) at += 1;
      used.add(at);
      return at;
    };
    let inFlight: Array<{ delivery: DeliveryRecord; attempt: number }> = [];
    for (const [index, current] of steps.entries()) {
      if (current.kind === 'publish') {
        const endpoint = endpoints[current.endpoint]!;
        const events = Array.from({ length: current.count }, () => newEvent(endpoint.workspaceId, [endpoint], { runAt: uniqueTime(now + current.offset) }));
        for (const storage of [pg, sqlite]) await storage.publishEvents(endpoint.workspaceId, events, null);
      } else if (current.kind === 'claim') {
        now += CLAIM_GAP_MS;
        const after: ClaimAfter = {};
        const [fromPg, fromSqlite] = [await pg.claimDueDeliveries(now, current.limit, MARGIN, after), await sqlite.claimDueDeliveries(now, current.limit, MARGIN)];
        assert.deepEqual(fromPg, fromSqlite, `claim at step ${index} of ${JSON.stringify(steps)}`);
        assert.equal(after.nextRunAt, await pg.nextRunAt(), `the next run time the claim told, at step ${index} of ${JSON.stringify(steps)}`);
        inFlight.push(...fromPg.map((claimed) => ({ delivery: claimed.delivery, attempt: claimed.attempt })));
      } else if (current.kind === 'record') {
        const outcomes = inFlight.slice(0, current.count).map(({ delivery, attempt }) =>
          outcomeFor(delivery, { attempt, httpStatus: current.fail ? 500 : 200, createdAt: now, nextAttemptAt: uniqueTime(now + current.retryIn) }));
        inFlight = inFlight.slice(current.count);
        for (const storage of [pg, sqlite]) await storage.recordOutcomes(outcomes);
      } else {
        now += current.ms;
      }
    }
  } finally {
    await sqlite.close();
  }
}

/** Empties the schema's queue between stories (a fresh schema each time would cost a migration). */
async function emptied(pg: PostgresStorage): Promise<PostgresStorage> {
  await withAdminClient((client) => client.query('TRUNCATE workspaces, api_keys, idempotency_keys, endpoints, events, event_tags, deliveries, attempts, attempt_details'), pg.schema!);
  return pg;
}

describe('PostgreSQL claims in one statement', { skip }, () => {
  test('choose what the step-by-step SQLite claim chooses, story after story', async () => {
    const pg = await databases.open();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 30 }), async (steps) => playStory(await emptied(pg), [...steps, { kind: 'claim', limit: 24 }])),
        {
          numRuns: 30,
          examples: [
            // An endpoint at its share, no backlog, nothing else due: it borrows all but a share.
            [[{ kind: 'publish', endpoint: 0, count: 4, offset: -10 }, { kind: 'claim', limit: 8 }, { kind: 'publish', endpoint: 0, count: 10, offset: -10 }, { kind: 'claim', limit: 8 }]],
            // A backlog, and a retry of another endpoint due at once: the fresh lane, then due order.
            [[
              { kind: 'publish', endpoint: 0, count: 25, offset: -2500 }, { kind: 'claim', limit: 6 }, { kind: 'record', count: 3, fail: true, retryIn: -5 },
              { kind: 'publish', endpoint: 1, count: 3, offset: 0 }, { kind: 'claim', limit: 12 },
            ]],
          ],
        },
      );
    } finally {
      await pg.close();
    }
  });

  test('return each delivery as stored beside its endpoint as it is now (null once deleted)', async () => {
    const pg = await databases.open();
    const sqlite = new SqliteStorage(':memory:');
    await sqlite.migrate();
    try {
      const [moved, deleted] = await seed([pg, sqlite]);
      const events = [newEvent(moved!.workspaceId, [moved!], { runAt: T0 }), newEvent(deleted!.workspaceId, [deleted!], { runAt: T0 + 1 })];
      for (const storage of [pg, sqlite]) {
        await storage.publishEvents(moved!.workspaceId, events, null);
        await storage.updateEndpoint(moved!.workspaceId, moved!.id, { url: 'https://elsewhere.example.com/in', updatedAt: T0 + 5 });
        await storage.deleteEndpoint(deleted!.workspaceId, deleted!.id, T0 + 5);
      }
      const claimed = await pg.claimDueDeliveries(T0 + 10, 10, MARGIN);
      assert.deepEqual(claimed, await sqlite.claimDueDeliveries(T0 + 10, 10, MARGIN));
      assert.deepEqual(claimed.map((c) => [c.delivery.endpointId, c.delivery.endpointUrl, c.endpoint?.url ?? null]), [
        [moved!.id, moved!.url, 'https://elsewhere.example.com/in'],
        [deleted!.id, deleted!.url, null],
      ]);
    } finally {
      await sqlite.close();
      await pg.close();
    }
  });

  test(`look past endpoints at their share no further than the first ${FAIR_SCAN_ROWS} due deliveries`, async () => {
    const pg = await databases.open();
    const sqlite = new SqliteStorage(':memory:');
    await sqlite.migrate();
    try {
      const [busy, quiet] = await seed([pg, sqlite]);
      const publish = async (endpoint: EndpointRecord, runAts: number[]): Promise<string[]> => {
        const events = runAts.map((runAt) => newEvent(endpoint.workspaceId, [endpoint], { runAt }));
        for (const storage of [pg, sqlite]) await storage.publishEvents(endpoint.workspaceId, events, null);
        return events.map((created) => created.deliveries[0]!.id);
      };
      await publish(busy!, Array.from({ length: FAIR_SCAN_ROWS + 1000 }, (_, n) => T0 + 2 * n));
      const now = T0 + 100_000;
      for (const storage of [pg, sqlite]) assert.equal((await storage.claimDueDeliveries(now, 8, MARGIN)).length, 6, 'the busy endpoint takes its share and borrows');
      const [near, far] = await publish(quiet!, [T0 + 201, T0 + 2 * (FAIR_SCAN_ROWS + 500) + 1]);

      const claimed = await pg.claimDueDeliveries(now, 8, MARGIN);
      assert.deepEqual(claimed, await sqlite.claimDueDeliveries(now, 8, MARGIN));
      assert.deepEqual(claimed.map((c) => c.delivery.endpointId), [quiet!.id, busy!.id, busy!.id, busy!.id], 'the quiet endpoint first, then 3 borrowed (a share of 4 stays free)');
      assert.equal(claimed[0]?.delivery.id, near);
      assert.ok(!claimed.some((c) => c.delivery.id === far), `a delivery further back than ${FAIR_SCAN_ROWS} due ones waits`);
    } finally {
      await sqlite.close();
      await pg.close();
    }
  });
});
