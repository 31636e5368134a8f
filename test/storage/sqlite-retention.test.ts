import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { T0, newEvent, outcomeFor, seedWorkspace } from './fixtures.ts';

// Retention on SQLite walks each workspace's entries by its (workspace_id, created_at, id) indexes
// (migration 014 dropped the indexes by age that only retention read). Each workspace's entries must
// still go oldest first, since the stats trust an older entry of a scope to prove the newer ones are all
// still there, and a batch that ends inside one workspace must not leave another's behind for good.

const PER_WORKSPACE = 10;

test('a retention batch takes each workspace oldest first, and batches go on until every workspace is purged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-retention-'));
  const path = join(dir, 'herald.db');
  const storage = new SqliteStorage(path);
  t.after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await storage.migrate();
  const workspaces = [await seedWorkspace(storage), await seedWorkspace(storage)];
  // Published newest first, so neither rowid nor insertion order is the age order.
  for (const { workspaceId, endpoint } of workspaces) {
    for (let i = PER_WORKSPACE - 1; i >= 0; i -= 1) {
      await storage.publishEvents(workspaceId, [newEvent(workspaceId, [endpoint], { runAt: T0 + i * 1000 })], null);
    }
  }
  const claimed = [];
  while (claimed.length < 2 * PER_WORKSPACE) {
    const more = await storage.claimDueDeliveries(T0 + PER_WORKSPACE * 1000, 2 * PER_WORKSPACE, 30_000);
    assert.ok(more.length > 0, 'every delivery is due');
    claimed.push(...more);
  }
  await storage.recordOutcomes(claimed.map((c) => outcomeFor(c.delivery, { attempt: c.attempt, createdAt: c.delivery.createdAt })));

  const raw = new DatabaseSync(path, { readOnly: true });
  t.after(() => raw.close());
  const left = (table: string, workspaceId: string): number[] =>
    raw.prepare(`SELECT created_at FROM ${table} WHERE workspace_id = ? ORDER BY created_at`).all(workspaceId).map((row) => Number(row.created_at));

  // Everything has expired; a batch of 3 takes only part of it.
  const first = await storage.purgeBatch(T0 + PER_WORKSPACE * 1000, T0, 3);
  assert.equal(first.attempts, 3);
  for (const { workspaceId } of workspaces) {
    for (const table of ['attempts', 'deliveries', 'events']) {
      const kept = left(table, workspaceId);
      const newest = Array.from({ length: kept.length }, (_, k) => T0 + (PER_WORKSPACE - kept.length + k) * 1000);
      assert.deepEqual(kept, newest, `${table} of ${workspaceId}: what is left is the newest (nothing newer went before something older)`);
    }
  }

  let batches = 1;
  for (let counts = first; counts.attempts + counts.deliveries + counts.events > 0; batches += 1) {
    counts = await storage.purgeBatch(T0 + PER_WORKSPACE * 1000, T0, 3);
  }
  for (const { workspaceId } of workspaces) {
    for (const table of ['attempts', 'deliveries', 'events']) assert.deepEqual(left(table, workspaceId), [], `${table} of ${workspaceId} after ${batches} batches`);
  }
  const byAge = raw.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE '%_by_age'`).all().map((row) => String(row.name));
  assert.deepEqual(byAge, ['idempotency_keys_by_age'], 'only idempotency keys keep an index by age');
});
