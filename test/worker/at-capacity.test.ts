import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startServerProcess } from '../crash/server-process.ts';
import { eventually } from '../support/herald.ts';
import { startReceiver } from '../support/receiver.ts';

// A worker with every slot busy must keep the process responsive. Run as a child process: a worker
// that spun on the event loop would freeze an in-process test, timers and all, instead of failing it.

/** Resolves with the promise's value, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))]);
}

test('publishing while every delivery slot is busy: the API still answers and the backlog drains', { timeout: 30_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-capacity-'));
  const receiver = await startReceiver();
  const key = `hk_cap_${Math.random().toString(36).slice(2)}`;
  const server = await startServerProcess({
    HERALD_PORT: String(await freePort()),
    HERALD_DATABASE_URL: join(dataDir, 'herald.db'),
    HERALD_API_KEY: key,
    HERALD_ALLOW_HTTP: 'true',
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_CONCURRENCY: '2',
  });
  t.after(async () => {
    await server.stop('SIGKILL');
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const { api } = server;
  const endpoint = await api.post('/v1/endpoints', { url: `${receiver.base}/slow?ms=300`, event_types: ['invoice.paid'] });
  assert.equal(endpoint.status, 201, endpoint.text);
  const publish = (n: number) => api.post('/v1/events', { type: 'invoice.paid', payload: { n } });

  await within(Promise.all([publish(1), publish(2)]), 2000, 'the first two publishes');
  await receiver.waitForRequests(2); // both slots busy for 300 ms
  const third = await within(publish(3), 2000, 'a publish while at capacity');
  assert.equal(third.status, 202);
  const health = await within(api.get('/healthz'), 2000, '/healthz while at capacity');
  assert.equal(health.status, 200);
  await receiver.waitForRequests(3, 3000);
  // The first two are logged within moments of their answers (a slot is free once the receiver has
  // answered; the outcome is group-committed meanwhile, so the third request may come first).
  const succeeded = () => within(api.get('/v1/deliveries?status=succeeded&count=true'), 2000, 'listing deliveries');
  const done = await eventually(async () => ((await succeeded()).json.meta.total >= 2 ? true : null), 2000);
  assert.ok(done, server.output());
});
