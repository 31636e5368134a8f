import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKillRounds } from '../chaos/scenarios/kill-rounds.ts';

// The fast version of `npm run test:chaos`'s kill -9 scenario: three random kills under a load of single
// and batch publishes. Nothing accepted is lost, no batch is half-written, the file stays sound.

test('kill -9 at random moments under load, 3 rounds: every 202 delivered and logged, batches all or nothing', { timeout: 90_000 }, async (t) => {
  const result = await runKillRounds({ rounds: 3, minRoundMs: 300, maxRoundMs: 1500, drainTimeoutMs: 40_000, log: (line) => t.diagnostic(line) });
  for (const figure of result.figures) t.diagnostic(figure);
  assert.deepEqual(result.failures, []);
  assert.equal(result.lost, 0);
});
