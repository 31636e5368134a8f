import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { systemClock } from '../../src/domain/clock.ts';
import { newId } from '../../src/domain/ids.ts';
import { createSender } from '../../src/delivery/sender.ts';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { Storage } from '../../src/storage/storage.ts';
import { DeliveryWorker } from '../../src/worker/delivery-worker.ts';
import { newEvent, seedWorkspace } from '../storage/fixtures.ts';
import { startReceiver } from '../support/receiver.ts';

// A slot (HERALD_CONCURRENCY) is a request to a receiver: it is free once the receiver has answered,
// while the outcome is still being written. Writes slowed to 400 ms each (a slow disk) show it: with
// 2 slots and 6 deliveries (to 6 endpoints, so fairness between endpoints does not hold any back), four
// reach the receiver before the first write ends, where slots held until the write would let two through.
// Beyond `concurrency` outcomes waiting to be written, claims hold back, and every outcome is written in the end.

const WRITE_MS = 400;

test('a slot is free once the receiver answers; claims wait only when storage falls behind; nothing is lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-slots-'));
  const storage = new SqliteStorage(join(dir, 'herald.db'));
  const receiver = await startReceiver();
  t.after(async () => {
    await storage.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await storage.migrate();
  const { workspaceId, endpoint } = await seedWorkspace(storage, { url: `${receiver.base}/ok` });
  const endpoints = [endpoint];
  while (endpoints.length < 6) {
    const another = { ...endpoint, id: newId('ep') };
    await storage.createEndpoint(another);
    endpoints.push(another);
  }
  const now = Date.now();
  const events = endpoints.map((to) => newEvent(workspaceId, [to], { runAt: now }));
  await storage.publishEvents(workspaceId, events, null);

  // The real storage, with every outcome write taking WRITE_MS longer (methods bound to it: it keeps private fields).
  const slow = new Proxy(storage, {
    get: (target, property) => {
      if (property === 'recordOutcomes') {
        return async (...args: Parameters<Storage['recordOutcomes']>) => {
          await new Promise((resolve) => setTimeout(resolve, WRITE_MS));
          return target.recordOutcomes(...args);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const worker = new DeliveryWorker({
    storage: slow, sender: createSender({ allowPrivateNetworks: true }), clock: systemClock, logger: pino({ level: 'silent' }),
    retrySchedule: [1000], concurrency: 2,
  });
  worker.start();
  try {
    const requests = await receiver.waitForRequests(6, 5000);
    const at = requests.map((request) => request.at - requests[0]!.at);
    t.diagnostic(`requests at +${at.join(', +')} ms with ${WRITE_MS} ms writes`);
    // Slots held until the write would allow 2 requests per write: the 3rd and 4th after the first (≥ 400 ms).
    assert.ok(at[3]! < WRITE_MS - 100, `the 4th request came ${at[3]} ms after the 1st: slots waited for the writes`);
    // 2 answered + 2 more answered = 4 outcomes unwritten, twice the slots: the 5th waits for the first write.
    assert.ok(at[4]! >= WRITE_MS - 50, `the 5th request came ${at[4]} ms after the 1st: claims went on with 4 outcomes unwritten`);
    // The 6th follows a write too: the first, or the second when the first held only one outcome (the 2nd
    // answer came after the writer's 5 ms window, as on a busy machine). Never later.
    assert.ok(at[5]! < 3 * WRITE_MS - 150, `the 6th request came ${at[5]} ms after the 1st`);
  } finally {
    await worker.stop();
  }
  for (const { deliveries: [delivery] } of events) {
    const stored = await storage.getDelivery(workspaceId, delivery!.id);
    assert.equal(stored?.status, 'succeeded', `delivery ${delivery!.id} is ${stored?.status}`);
    assert.equal((await storage.listAttemptsOfDelivery(workspaceId, delivery!.id)).length, 1, 'one log entry each');
  }
});
