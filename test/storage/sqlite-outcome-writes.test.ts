import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { T0, newEvent, outcomeFor, seedWorkspace } from './fixtures.ts';

// A batch of outcomes writes its search rows as one FTS5 index segment. FTS5 flushes its pending terms
// into a new segment whenever a statement of the transaction opens a statement savepoint (the delivery's
// UPDATE … RETURNING, a rollup upsert); with those after each search row, a batch wrote one segment per
// outcome (and FTS5 merged them inside the commit once 64 piled up): the delivery's update, its search row
// and the commit cost ~75 µs per outcome instead of ~40.

/** Fewer than FTS5's crisis merge (64 segments, migration 003), which would hide one segment per outcome. */
const OUTCOMES = 40;

test('a batch of outcomes is one search index segment, and every entry is found', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-outcomes-'));
  const path = join(dir, 'herald.db');
  const storage = new SqliteStorage(path);
  try {
    await storage.migrate();
    const { workspaceId, endpoint } = await seedWorkspace(storage);
    await storage.publishEvents(workspaceId, Array.from({ length: OUTCOMES }, () => newEvent(workspaceId, [endpoint])), null);
    const claimed = [];
    while (claimed.length < OUTCOMES) { // a claim leaves a quarter of its slots to other endpoints
      const more = await storage.claimDueDeliveries(T0 + 1, OUTCOMES, 30_000);
      assert.ok(more.length > 0, 'every delivery is due');
      claimed.push(...more);
    }
    // Successes and failures, so the batch also updates the endpoint's health and every rollup.
    await storage.recordOutcomes(claimed.map((c, i) => outcomeFor(c.delivery, { attempt: c.attempt, httpStatus: i % 4 === 0 ? 503 : 200, createdAt: T0 + i })));

    const raw = new DatabaseSync(path, { readOnly: true });
    try {
      // Each segment is at least one row of the FTS5 data table (beside its structure and averages rows);
      // 40 small entries in one segment fit in a few.
      const { n } = raw.prepare('SELECT COUNT(*) AS n FROM attempts_search_data').get() as { n: number };
      assert.ok(Number(n) < 16, `the search index holds ${n} data rows after one batch of ${OUTCOMES} outcomes (one segment per outcome?)`);
      const found = raw.prepare(`SELECT COUNT(*) AS n FROM attempts_search WHERE attempts_search MATCH '"hooks"'`).get() as { n: number };
      assert.equal(Number(found.n), OUTCOMES, 'every entry is in the search index');
    } finally {
      raw.close();
    }
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
