import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { NotificationListener, NotificationSender } from '../../src/storage/postgres/postgres-notifications.ts';
import { eventually } from '../support/herald.ts';
import { TEST_DATABASE_URL, postgresSchemas, postgresSkipReason } from '../support/postgres.ts';
import { newEvent, seedWorkspace } from './fixtures.ts';

// NOTIFYs go out after the writes they announce, coalesced, never inside them: PostgreSQL makes every
// notifying transaction take one lock per database at commit and hold it until its commit is flushed,
// so writes that notified committed one at a time (postgres-notifications.ts).

const skip = await postgresSkipReason();
const databases = postgresSchemas();
after(() => databases.dropAll());

describe('PostgreSQL NOTIFY after commit', { skip }, () => {
  test('calls in bursts are coalesced, and a NOTIFY always follows the last call', async () => {
    const storage = await databases.open();
    const listener = new NotificationListener(storage.database);
    const sender = new NotificationSender(storage.database);
    const channel = `herald_test_notify.${storage.schema}`.slice(0, 63);
    const heard: number[] = [];
    try {
      await listener.listen(channel, () => heard.push(performance.now()));
      let lastCall = 0;
      for (let burst = 0; burst < 40; burst += 1) {
        for (let i = 0; i < 5; i += 1) {
          sender.notify(channel);
          lastCall = performance.now();
        }
        if (burst % 4 === 0) await sleep(2);
        else await nextTurn();
      }
      await sender.settled();
      assert.ok(await eventually(() => heard.some((at) => at > lastCall), 3000), 'a NOTIFY sent after the last call was heard');
      assert.ok(sender.sent >= 1 && sender.sent < 100, `200 calls in 40 bursts went out as ${sender.sent} NOTIFYs`);
      assert.ok(heard.length <= sender.sent);
    } finally {
      await listener.close();
      await storage.close();
    }
  });

  test('concurrent publishes never wait for the NOTIFY lock, and still wake the workers', async () => {
    const storage = await databases.open({ poolSize: 16 });
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    const woken: Array<string | null> = [];
    const stop = await storage.listen('herald_deliveries', (payload) => woken.push(payload));
    // Another connection looks, again and again, for a transaction waiting for the lock that NOTIFY
    // takes at commit (an object lock on database 0 in pg_locks), other than a NOTIFY statement itself:
    // those may wait for each other, briefly, across processes (test files running beside this one).
    // Inside the publish's transaction, it was the publish statement or its COMMIT that waited.
    const watcher = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await watcher.connect();
    let watching = true;
    let looks = 0;
    let waits = 0;
    const watch = (async () => {
      while (watching) {
        const { rows } = await watcher.query(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'object' AND l.classid = 'pg_database'::regclass AND l.objid = 0 AND NOT l.granted
             AND a.query NOT LIKE 'SELECT pg_notify(%'`,
        );
        waits += rows[0].n;
        looks += 1;
      }
    })();
    try {
      const events = Array.from({ length: 400 }, () => newEvent(workspaceId, [endpoint]));
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < events.length) {
          const created = events[next++]!;
          await storage.publishEvents(workspaceId, [created], null);
        }
      }));
      assert.ok(await eventually(() => woken.length > 0, 2000), 'the publishes woke the listeners');
      watching = false;
      await watch;
      assert.ok(looks >= 10, `looked ${looks} times`);
      assert.equal(waits, 0, `transactions seen waiting for the NOTIFY lock in ${looks} looks`);
      assert.ok(storage.notifier.sent < events.length / 2, `400 publishes, ${storage.notifier.sent} NOTIFYs`);
    } finally {
      watching = false;
      await watch.catch(() => undefined);
      await watcher.end();
      await stop();
      await storage.close();
    }
  });
});
