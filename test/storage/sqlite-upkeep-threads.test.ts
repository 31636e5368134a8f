import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteDatabase } from '../../src/storage/sqlite/sqlite-database.ts';
import { SqlitePurger } from '../../src/storage/sqlite/sqlite-purger.ts';
import { WalCheckpointer } from '../../src/storage/sqlite/wal-checkpointer.ts';

// The two background threads of a SQLite file run only while they have work: each is a V8 isolate.

const root = mkdtempSync(join(tmpdir(), 'herald-upkeep-'));
after(() => rmSync(root, { recursive: true, force: true }));
let opened = 0;

/** A WAL-mode file with a table, whose own automatic checkpoint is off: only the thread copies frames back. */
function walFile(): { path: string; db: DatabaseSync; write: () => void } {
  opened += 1;
  mkdirSync(join(root, `db-${opened}`));
  const path = join(root, `db-${opened}`, 'herald.db');
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA wal_autocheckpoint = 0');
  db.exec('CREATE TABLE blobs (data BLOB)');
  const insert = db.prepare('INSERT INTO blobs VALUES (?)');
  return { path, db, write: () => insert.run(Buffer.alloc(256 * 1024)) };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

describe('WalCheckpointer', () => {
  test('starts its thread only once the WAL is written, and the thread copies the frames back', async (t) => {
    const { path, db, write } = walFile();
    const checkpointer = new WalCheckpointer(path, { intervalMs: 20, watchIntervalMs: 20 });
    t.after(async () => {
      await checkpointer.close();
      db.close();
    });
    await sleep(150);
    assert.equal(checkpointer.running, false, 'nothing written yet: no thread');

    const sizeBefore = statSync(path).size;
    write();
    await until(() => checkpointer.running);
    await until(() => statSync(path).size >= sizeBefore + 256 * 1024);
  });

  test('ends its thread when idle, and starts another at the next write', async (t) => {
    const { path, db, write } = walFile();
    const checkpointer = new WalCheckpointer(path, { intervalMs: 20, idleAfterMs: 100, watchIntervalMs: 20 });
    t.after(async () => {
      await checkpointer.close();
      db.close();
    });
    write();
    await until(() => checkpointer.running);
    await until(() => !checkpointer.running);

    const sizeBefore = statSync(path).size;
    write();
    await until(() => checkpointer.running);
    await until(() => statSync(path).size >= sizeBefore + 256 * 1024);
  });

  test('after close, writes start no thread', async () => {
    const { path, db, write } = walFile();
    const checkpointer = new WalCheckpointer(path, { intervalMs: 20, watchIntervalMs: 20 });
    write();
    await until(() => checkpointer.running);
    await checkpointer.close();
    assert.equal(checkpointer.running, false);
    write();
    await sleep(150);
    assert.equal(checkpointer.running, false);
    db.close();
  });
});

describe('SqliteDatabase under steady writes', () => {
  test('the WAL starts over instead of growing: its file stays near the 16 MiB limit', { timeout: 30_000 }, async (t) => {
    opened += 1;
    const path = join(root, `db-${opened}`, 'herald.db');
    const database = new SqliteDatabase(path);
    t.after(() => database.close());
    database.db.exec('CREATE TABLE blobs (data BLOB)');
    const insert = database.db.prepare('INSERT INTO blobs VALUES (?)');
    const walBytes = () => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    // A commit of 16 KiB every millisecond or so, as a worker under load commits, for 4 s: about 40 MB.
    // Only PASSIVE checkpoints (the thread's alone) let the WAL grow to the 128 MB safety net.
    const started = Date.now();
    let largest = 0;
    let commits = 0;
    while (Date.now() - started < 4000) {
      database.transaction(() => insert.run(Buffer.alloc(16 * 1024, commits)));
      commits += 1;
      if (Date.now() - started > 2000) largest = Math.max(largest, walBytes()); // the thread starts within 1 s
      await sleep(1);
    }
    t.diagnostic(`${commits} commits; largest WAL file in the last 2 s: ${(largest / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(largest <= 16 * 2 ** 20, `the WAL file grew to ${(largest / 2 ** 20).toFixed(1)} MiB`);
  });
});

describe('SqlitePurger', () => {
  /** A migrated Herald file. */
  function heraldFile(): string {
    opened += 1;
    const path = join(root, `db-${opened}`, 'herald.db');
    const database = new SqliteDatabase(path, { upkeepThread: false });
    database.migrate();
    database.close();
    return path;
  }
  const purge = (purger: SqlitePurger) => purger.purgeBatch(Date.now() - 86_400_000, Date.now() - 86_400_000, 100);
  const nothing = { attempts: 0, deliveries: 0, events: 0, idempotencyKeys: 0 };

  test('ends its thread idleAfterMs after the last batch; the next batch starts another', async (t) => {
    const purger = new SqlitePurger(heraldFile(), { idleAfterMs: 100 });
    t.after(() => purger.close());
    assert.equal(purger.running, false, 'no thread before the first batch');
    assert.deepEqual(await purge(purger), nothing);
    assert.equal(purger.running, true);
    await until(() => !purger.running);
    assert.deepEqual(await purge(purger), nothing);
  });

  test('a batch asked for while the idle thread is ending goes to a new thread and is answered', async (t) => {
    const purger = new SqlitePurger(heraldFile(), { idleAfterMs: 50 });
    t.after(() => purger.close());
    await purge(purger);
    while (purger.running) await new Promise((resolve) => setImmediate(resolve));
    // The old thread is ending: its exit comes after this request, and must not fail it.
    assert.deepEqual(await purge(purger), nothing);
  });

  test('close fails the batches still waiting', async () => {
    const purger = new SqlitePurger(heraldFile());
    const pending = purge(purger);
    await purger.close();
    await assert.rejects(pending, /closed/);
  });
});
