import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFullDisk, type FullDiskResult } from '../chaos/scenarios/full-disk.ts';

// The fast version of `npm run test:chaos`'s full-disk scenario: SQLite on an 8 MB tmpfs (needs root to
// mount; skipped otherwise, except on CI). A full disk answers 503 STORAGE_FULL, loses nothing accepted,
// leaves a sound file, and Herald recovers by itself once space returns.

let result: FullDiskResult | undefined;

test('a full disk answers 503 STORAGE_FULL, loses nothing, and Herald recovers by itself when space returns', { timeout: 90_000 }, async (t) => {
  result = await runFullDisk({ fullForMs: 2000, drainTimeoutMs: 30_000 });
  if (result.skipped) {
    if (process.env.CI) assert.fail(`the full-disk test must run on CI: ${result.skipped}`);
    t.skip(result.skipped);
    return;
  }
  for (const figure of result.figures) t.diagnostic(figure);
  assert.deepEqual(result.failures, []);
  assert.equal(result.lost, 0);
});

test('on a full disk the worker backs off, logs once, and a SIGTERM still ends it', () => {
  if (!result || result.skipped) return;
  assert.deepEqual(result.workerIssues, []);
});
