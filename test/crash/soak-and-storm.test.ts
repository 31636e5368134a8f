import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runHangStorm } from '../chaos/scenarios/hang-storm.ts';
import { runSoak } from '../chaos/scenarios/soak.ts';

// The fast versions of `npm run test:chaos`'s soak and hang storm (the long ones run minutes and 10,000
// endpoints): Herald as a child process, loopback receivers, bounded in count and time.

test('soak, 12 s: 10 % of receivers failing and 5 % hanging, nothing lost, nothing stuck', { timeout: 120_000 }, async (t) => {
  const result = await runSoak({ durationMs: 12_000, ratePerS: 100, log: (line) => t.diagnostic(line) });
  for (const figure of result.figures) t.diagnostic(figure);
  assert.deepEqual(result.failures, []);
  assert.equal(result.lost, 0);
});

test('1,000 hanging endpoints for 12 s: a healthy endpoint is still served and the API answers', { timeout: 120_000 }, async (t) => {
  const result = await runHangStorm({ endpoints: 1_000, stormMs: 12_000, log: (line) => t.diagnostic(line) });
  for (const figure of result.figures) t.diagnostic(figure);
  assert.deepEqual(result.failures, []);
  assert.equal(result.lost, 0);
});
