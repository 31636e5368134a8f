import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEndpoint, publish, setup, waitForDelivery } from './helpers.ts';

// One hanging endpoint with a flood of due deliveries must not take every delivery slot: an endpoint
// holds at most its share (a quarter of the slots) plus what it may borrow while a share stays free,
// so a healthy endpoint is still served at once.

test('a flood to a hanging endpoint leaves slots for a healthy one', { timeout: 30_000 }, async (t) => {
  const { api, receiver } = await setup(t, { HERALD_CONCURRENCY: '8' });
  const hanging = await createEndpoint(api, receiver, '/hang', { timeout_ms: 6000 });
  const healthy = await createEndpoint(api, receiver, '/ok');

  const flood = await api.post('/v1/events/batch', {
    events: Array.from({ length: 40 }, (_, n) => ({ type: 'invoice.paid', payload: { n }, endpoint_ids: [hanging.id] })),
  });
  assert.equal(flood.status, 202, flood.text);
  // The hanging endpoint takes what it may: its share (2 of 8) and borrowed slots (8 − 2 − 2 = 4).
  await receiver.waitForRequests(6);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const hung = receiver.requests.filter((request) => request.path === '/hang').length;
  assert.ok(hung >= 2 && hung <= 6, `the hanging endpoint holds ${hung} of 8 slots, expected its share plus what it may borrow (≤ 6)`);

  const started = Date.now();
  const deliveries = await Promise.all([1, 2, 3, 4, 5].map((n) => publish(api, healthy.id, { n })));
  for (const { deliveryId } of deliveries) await waitForDelivery(api, deliveryId, ['succeeded'], 3000);
  const tookMs = Date.now() - started;
  assert.ok(tookMs < 3000, `the healthy endpoint waited ${tookMs} ms`);
  assert.equal(receiver.requests.filter((request) => request.path === '/hang').length, hung, 'no more slots went to the hanging endpoint');
});
