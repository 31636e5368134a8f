import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { PostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { DeliveriesVacuum, VACUUM_REST_FACTOR } from '../../src/storage/postgres/postgres-vacuum.ts';
import { postgresSchemas, postgresSkipReason } from '../support/postgres.ts';
import { T0, newEvent, outcomeFor, seedWorkspace } from './fixtures.ts';

// Every delivery leaves two superseded row versions behind (claimed, finished), and every claim steps
// over their entries in the due index until VACUUM removes them. A PostgreSQL Herald process vacuums
// `deliveries` itself after every VACUUM_EVERY_OUTCOMES attempts it records (postgres-vacuum.ts).

const skip = await postgresSkipReason();
const databases = postgresSchemas();
after(() => databases.dropAll());

/** Publishes `count` deliveries, claims them and records their successes in batches of 5. */
async function deliver(storage: PostgresStorage, count: number): Promise<void> {
  const { workspaceId, endpoint } = await seedWorkspace(storage);
  await storage.publishEvents(workspaceId, Array.from({ length: count }, (_, n) => newEvent(workspaceId, [endpoint], { runAt: T0 + n })), null);
  const claimed = [];
  for (let round = 0; round < 10 && claimed.length < count; round += 1) claimed.push(...await storage.claimDueDeliveries(T0 + 60_000 + round, count, 60_000));
  assert.equal(claimed.length, count);
  for (let start = 0; start < count; start += 5) {
    await storage.recordOutcomes(claimed.slice(start, start + 5).map(({ delivery }) => outcomeFor(delivery, { createdAt: T0 + 61_000 })));
  }
  await storage.vacuum.settled();
}

/**
 * How many vacuums of this schema's `deliveries` PostgreSQL finished. A vacuum reports this at once;
 * the dead-row count beside it is not asserted on, as other connections report theirs up to a second late.
 */
async function vacuumsFinished(storage: PostgresStorage): Promise<number> {
  const row = await storage.database.get(
    `SELECT vacuum_count AS vacuums FROM pg_stat_user_tables WHERE schemaname = ? AND relname = 'deliveries'`,
    [storage.schema],
  );
  return Number(row?.vacuums);
}

describe('PostgreSQL: deliveries are vacuumed by Herald as attempts are recorded', { skip }, () => {
  test('after every N recorded attempts one vacuum of deliveries runs to its end', async () => {
    const storage = await databases.open({ vacuumEveryOutcomes: 20 });
    try {
      await deliver(storage, 30);
      assert.equal(storage.vacuum.runs, 1, 'one vacuum for 30 attempts at one every 20');
      assert.equal(await vacuumsFinished(storage), 1, 'PostgreSQL finished one vacuum of deliveries');
    } finally {
      await storage.close();
    }
  });

  test('fewer attempts than N: no vacuum', async () => {
    const storage = await databases.open({ vacuumEveryOutcomes: 20 });
    try {
      await deliver(storage, 15);
      assert.equal(storage.vacuum.runs, 0);
      assert.equal(await vacuumsFinished(storage), 0);
    } finally {
      await storage.close();
    }
  });

  test('after a vacuum the process rests nine times as long as it took before the next one', async () => {
    const storage = await databases.open();
    try {
      let now = 0;
      const vacuum = new DeliveriesVacuum(storage.database, { everyOutcomes: 20, clock: () => now });
      vacuum.recorded(20);
      assert.equal(vacuum.runs, 1);
      now = 100; // the vacuum "took" 100 ms: the next one may start at 100 + 900
      await vacuum.settled();
      const restEnds = 100 + VACUUM_REST_FACTOR * 100;
      now = restEnds - 1;
      vacuum.recorded(40);
      assert.equal(vacuum.runs, 1, 'no vacuum while resting, however many attempts were recorded');
      now = restEnds;
      vacuum.recorded(1);
      assert.equal(vacuum.runs, 2, 'the attempts counted while resting start the next vacuum once the rest is over');
      await vacuum.settled();
      assert.equal(await vacuumsFinished(storage), 2);
    } finally {
      await storage.close();
    }
  });
});
