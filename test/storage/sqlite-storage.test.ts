import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { PAGE_BYTES, SqliteDatabase } from '../../src/storage/sqlite/sqlite-database.ts';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { newId } from '../../src/domain/ids.ts';
import type { EndpointRecord } from '../../src/storage/records.ts';
import { newEvent, publishOne, seedWorkspace, T0 } from './fixtures.ts';
import { runStorageSuite } from './storage-suite.ts';

const root = mkdtempSync(join(tmpdir(), 'herald-storage-'));
after(() => rmSync(root, { recursive: true, force: true }));
let opened = 0;

/** A fresh, migrated SQLite file of its own. */
async function openSqlite(): Promise<SqliteStorage> {
  opened += 1;
  const storage = new SqliteStorage(join(root, `db-${opened}`, 'herald.db'));
  await storage.migrate();
  return storage;
}

runStorageSuite('SQLite', openSqlite);

describe('SQLite file settings', () => {
  test('the file is in WAL mode, seen from a second connection, with a -wal file beside it', async () => {
    const path = join(root, 'wal', 'herald.db');
    const storage = new SqliteStorage(path);
    await storage.migrate();
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    await publishOne(storage, workspaceId, endpoint);
    const other = new DatabaseSync(path, { readOnly: true });
    try {
      assert.equal(other.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
      assert.equal(other.prepare('SELECT COUNT(*) AS n FROM deliveries').get()?.n, 1, 'a committed write is visible to another connection');
    } finally {
      other.close();
    }
    assert.ok(existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0, 'writes go to the -wal file');
    await storage.close();
  });

  test('close ends the upkeep thread before the connection: the file is whole and alone, and opens read-only at once', async () => {
    const path = join(root, 'close-with-upkeep', 'herald.db');
    const storage = new SqliteStorage(path);
    await storage.migrate();
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    await publishOne(storage, workspaceId, endpoint);
    // The upkeep thread starts within a second of the WAL changing; give it time to be running.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await storage.close();
    // The last connection to close checkpoints the WAL into the file and removes it: that must be ours,
    // not a thread still ending after close returned (a reader opened then was refused: database is locked).
    assert.equal(existsSync(`${path}-wal`), false, 'the -wal file is gone once close has returned');
    const reader = new DatabaseSync(path, { readOnly: true });
    try {
      assert.equal(reader.prepare('SELECT COUNT(*) AS n FROM deliveries').get()?.n, 1);
    } finally {
      reader.close();
    }
  });

  test("Herald's connection uses synchronous = NORMAL, foreign keys and a busy timeout", async () => {
    // synchronous is a per-connection setting, so it is read on the connection SqliteStorage opens.
    const database = new SqliteDatabase(join(root, 'pragmas', 'herald.db'));
    try {
      assert.equal(database.get('PRAGMA synchronous')?.synchronous, 1, '1 = NORMAL');
      assert.equal(database.get('PRAGMA journal_mode')?.journal_mode, 'wal');
      assert.equal(database.get('PRAGMA foreign_keys')?.foreign_keys, 1);
      assert.equal(database.get('PRAGMA busy_timeout')?.timeout, 5000);
    } finally {
      await database.close();
    }
  });

  test('a new file gets 8 KiB pages; a file made with 4 KiB pages keeps them and opens as before', async () => {
    const fresh = new SqliteStorage(join(root, 'pages-new', 'herald.db'));
    await fresh.migrate();
    await fresh.close();
    const freshDb = new DatabaseSync(join(root, 'pages-new', 'herald.db'), { readOnly: true });
    assert.equal(freshDb.prepare('PRAGMA page_size').get()?.page_size, PAGE_BYTES);
    assert.equal(PAGE_BYTES, 8192);
    freshDb.close();

    // A database made by an earlier Herald (SQLite's default 4 KiB): still opened, migrated and written.
    const path = join(root, 'pages-old', 'herald.db');
    mkdirSync(join(root, 'pages-old'));
    const old = new DatabaseSync(path);
    old.exec('PRAGMA page_size = 4096');
    old.exec('PRAGMA journal_mode = WAL');
    old.exec('CREATE TABLE earlier (x)');
    old.close();
    const storage = new SqliteStorage(path);
    await storage.migrate();
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    await publishOne(storage, workspaceId, endpoint);
    await storage.close();
    const oldDb = new DatabaseSync(path, { readOnly: true });
    try {
      assert.equal(oldDb.prepare('PRAGMA page_size').get()?.page_size, 4096);
      assert.equal(oldDb.prepare('SELECT COUNT(*) AS n FROM deliveries').get()?.n, 1);
      assert.equal(oldDb.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok');
    } finally {
      oldDb.close();
    }
  });

  test('migrations are recorded once, however often they run', async () => {
    const path = join(root, 'migrations', 'herald.db');
    for (let i = 0; i < 3; i += 1) {
      const storage = new SqliteStorage(path);
      await storage.migrate();
      await storage.migrate();
      await storage.close();
    }
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all().map((row) => row.version);
      const files = readdirSync(join(import.meta.dirname, '../../src/storage/sqlite/migrations')).filter((name) => /^\d+-.+\.sql$/.test(name));
      assert.deepEqual(versions, files.map((name) => Number.parseInt(name, 10)).sort((a, b) => a - b), 'one row per migration file');
      assert.equal(db.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok');
    } finally {
      db.close();
    }
  });

  test('a missing directory is created', async () => {
    const path = join(root, 'deep', 'er', 'herald.db');
    const storage = new SqliteStorage(path);
    await storage.migrate();
    assert.equal(await storage.ping(), true);
    await storage.close();
    assert.ok(existsSync(path));
  });
});

/** Queued deliveries around T0 as `/stats` reads them: from the hour rollups, and from the minute rollups. */
async function queuedInRollups(storage: SqliteStorage, workspaceId: string): Promise<{ hours: number; minutes: number }> {
  const hour = Math.floor(T0 / 3_600_000) * 3_600_000;
  const minute = Math.floor(T0 / 60_000) * 60_000;
  const queued = async (since: number, until: number) =>
    (await storage.attemptStats({ workspaceId, since, until, bucketMs: 60_000 })).deliveriesByStatus.queued ?? 0;
  return { hours: await queued(hour - 3_600_000, hour + 7_200_000), minutes: await queued(minute - 60_000, minute + 120_000) };
}

describe('SQLite group commit', () => {
  test('publishes of one turn share a COMMIT; one that fails is undone alone and the others are written', async () => {
    const storage = await openSqlite();
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    const first = newEvent(workspaceId, [endpoint]);
    const clash = newEvent(workspaceId, [endpoint]);
    clash.event.id = first.event.id; // the same primary key: this publish fails inside the group
    const last = newEvent(workspaceId, [endpoint]);
    const results = await Promise.allSettled([
      storage.publishEvents(workspaceId, [first], null),
      storage.publishEvents(workspaceId, [clash], null),
      storage.publishEvents(workspaceId, [last], null),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok(await storage.getEvent(workspaceId, first.event.id));
    assert.ok(await storage.getEvent(workspaceId, last.event.id));
    assert.equal(await storage.getDelivery(workspaceId, clash.deliveries[0]!.id), null, "the failed publish's delivery was rolled back with it");
    const stats = await storage.countDeliveries({ workspaceId });
    assert.equal(stats, 2, 'two deliveries');
    // The failed publish's rollup counts were rolled back with it.
    assert.deepEqual(await queuedInRollups(storage, workspaceId), { hours: 2, minutes: 2 });
    await storage.close();
  });

  test('the rollups count every publish of a group, and only once', async () => {
    const storage = await openSqlite();
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    await Promise.all(Array.from({ length: 20 }, (_, i) => storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint]), ...(i % 2 ? [newEvent(workspaceId, [endpoint])] : [])], null)));
    await storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint])], null); // a group of its own
    assert.deepEqual(await queuedInRollups(storage, workspaceId), { hours: 31, minutes: 31 });
    await storage.close();
  });

  test('the same Idempotency-Key twice in one group: the second is a replay of the first', async () => {
    const storage = await openSqlite();
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    const claim = { key: 'k1', requestHash: 'h', response: '{"first":true}', notBefore: 0 };
    const [a, b] = await Promise.all([
      storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint])], claim),
      storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint])], { ...claim, response: '{"second":true}' }),
    ]);
    assert.equal(a.kind, 'created');
    assert.deepEqual(b, { kind: 'replayed', response: '{"first":true}' });
    assert.equal(await storage.countDeliveries({ workspaceId }), 1);
    await storage.close();
  });

  test('a close right after a publish still writes it', async () => {
    const path = join(root, 'group-close', 'herald.db');
    const storage = new SqliteStorage(path);
    await storage.migrate();
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    const published = storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint])], null);
    await storage.close();
    assert.equal((await published).kind, 'created');
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      assert.equal(db.prepare('SELECT COUNT(*) AS n FROM events').get()?.n, 1);
    } finally {
      db.close();
    }
  });
});

describe('SQLite claims during a flood to one endpoint', () => {
  test('work published for another endpoint is claimed at the next claim, though the last look found nothing else due', async () => {
    const storage = await openSqlite();
    const { workspaceId, endpoint: flooded } = await seedWorkspace(storage);
    const other: EndpointRecord = { ...flooded, id: newId('ep'), url: 'https://other.example.com/in' };
    await storage.createEndpoint(other);
    await storage.publishEvents(workspaceId, Array.from({ length: 200 }, () => newEvent(workspaceId, [flooded])), null);
    const now = T0 + 10;
    // A share is a quarter of the slots: one endpoint takes 3 in due order and borrows 6, leaving a share free.
    assert.equal((await storage.claimDueDeliveries(now, 12, 10_000)).length, 9);
    // 9 in flight + 4 asked: the flooded endpoint is over its share (4) and may not take the last share.
    assert.equal((await storage.claimDueDeliveries(now, 4, 10_000)).length, 0, 'nothing else is due');
    await storage.publishEvents(workspaceId, [newEvent(workspaceId, [other])], null);
    const claimed = await storage.claimDueDeliveries(now + 1, 4, 10_000);
    assert.deepEqual(claimed.map((c) => c.delivery.endpointId), [other.id]);
    await storage.close();
  });
});
