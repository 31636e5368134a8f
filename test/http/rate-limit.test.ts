import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, assertErrorShape, startTestHerald, type TestHerald } from '../support/herald.ts';

// HERALD_API_RATE_LIMIT: each key has its own budget; over it, 429 RATE_LIMITED with Retry-After.

describe('API rate limit per key', () => {
  let h: TestHerald;
  before(async () => {
    h = await startTestHerald({ HERALD_API_RATE_LIMIT: '5' });
  });
  after(() => h.close());

  test('a burst past the limit gets 429 with Retry-After; another key is unaffected; the budget refills', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => h.api.get('/v1/endpoints')));
    const limited = answers.filter((r) => r.status === 429);
    assert.equal(answers.filter((r) => r.status === 200).length, 5, 'a burst of the limit passes');
    assert.equal(limited.length, 7);
    const error = assertErrorShape(limited[0]!, 429);
    assert.equal(error.code, 'RATE_LIMITED');
    assert.match(error.message, /HERALD_API_RATE_LIMIT/);
    assert.ok(Number(limited[0]!.headers.get('retry-after')) >= 1);

    const workspace = await apiClient(h.url, h.adminKey).post('/v1/workspaces', { name: 'other' });
    const key = await apiClient(h.url, h.adminKey).post(`/v1/workspaces/${workspace.json.id}/api-keys`, { name: 'k' });
    assert.equal((await apiClient(h.url, key.json.key).get('/v1/endpoints')).status, 200, 'budgets are per key');

    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await h.api.get('/v1/endpoints')).status, 200, 'the budget refills');
  });

  test('requests without a valid key are refused before they count', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => apiClient(h.url, 'hk_wrong').get('/v1/endpoints')));
    assert.ok(answers.every((r) => r.status === 401));
  });
});
