import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CLAIM_MEMO_MAX_MS, CLAIM_MEMO_MS, ClaimMemo } from '../../src/storage/sql/fair-claim.ts';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { EndpointRecord } from '../../src/storage/records.ts';
import type { Storage } from '../../src/storage/storage.ts';
import { postgresSchemas, postgresSkipReason } from '../support/postgres.ts';
import { T0, newEvent, seedWorkspace } from './fixtures.ts';

// While one endpoint's flood holds its share, a claim's look past it finds nothing, and the claims of
// the next CLAIM_MEMO_MS skip the look (sql/fair-claim.ts, ClaimMemo), twice as long after each look in
// a row that found nothing, up to CLAIM_MEMO_MAX_MS. What that may cost another endpoint is bounded: work
// published for it meanwhile is looked for at once, and work that only became due as time passed is
// looked for again at most CLAIM_MEMO_MAX_MS after the last look, however often claims come.

const skipPostgres = await postgresSkipReason();
const databases = postgresSchemas();
after(() => databases.dropAll());

const MARGIN = 1_000_000_000; // leases never end within a test
const NOW = T0 + 10_000;

async function flooded(storage: Storage): Promise<{ busy: EndpointRecord; quiet: EndpointRecord; workspaceId: string }> {
  const { workspaceId, endpoint: busy } = await seedWorkspace(storage);
  const quiet: EndpointRecord = { ...busy, id: `${busy.id}_quiet`, url: 'https://quiet.example.com/in' };
  await storage.createEndpoint(quiet);
  // 40 deliveries of the busy endpoint, due within the last 900 ms (no backlog: the fresh lane stays shut).
  await storage.publishEvents(workspaceId, Array.from({ length: 40 }, (_, n) => newEvent(workspaceId, [busy], { runAt: NOW - 900 + n })), null);
  return { busy, quiet, workspaceId };
}

async function claimedEndpoints(storage: Storage, at: number): Promise<string[]> {
  return (await storage.claimDueDeliveries(at, 8, MARGIN)).map((claimed) => claimed.delivery.endpointId);
}

const backends: Array<{ name: string; open: () => Promise<Storage>; skip?: string }> = [
  { name: 'SQLite', open: async () => { const storage = new SqliteStorage(':memory:'); await storage.migrate(); return storage; } },
  { name: 'PostgreSQL', open: () => databases.open(), skip: skipPostgres },
];

for (const backend of backends) {
  describe(`${backend.name}: the claim's memo of a look that found nothing`, { skip: backend.skip }, () => {
    test(`a delivery that became due meanwhile waits no more than ${CLAIM_MEMO_MS} ms past the last look, though claims come every 10 ms`, async () => {
      const storage = await backend.open();
      try {
        const { busy, quiet, workspaceId } = await flooded(storage);
        // Published before the look, due only later: publishing does not bring it into the look early.
        await storage.publishEvents(workspaceId, [newEvent(workspaceId, [quiet], { runAt: NOW + 25 })], null);
        assert.deepEqual(await claimedEndpoints(storage, NOW), Array(6).fill(busy.id), 'the busy endpoint takes its share and borrows');
        const second = await claimedEndpoints(storage, NOW + 10);
        assert.ok(second.every((id) => id === busy.id), 'at its share, the busy endpoint only borrows: the look past it finds nothing, and is remembered');
        const seen: Array<[number, string[]]> = [];
        for (let at = NOW + 20; at <= NOW + 10 + CLAIM_MEMO_MS + 10; at += 10) seen.push([at - NOW, await claimedEndpoints(storage, at)]);
        const first = seen.find(([, endpoints]) => endpoints.includes(quiet.id));
        assert.ok(first, `the quiet endpoint's delivery was never claimed: ${JSON.stringify(seen)}`);
        assert.ok(first[0] > 25, 'not claimed before it was due');
        assert.equal(first[0], 10 + CLAIM_MEMO_MS, `skipped looks did not keep the memo alive: claimed at the first claim after it ended (${JSON.stringify(seen)})`);
      } finally {
        await storage.close();
      }
    });

    test(`looks in a row that find nothing are trusted longer each time, up to ${CLAIM_MEMO_MAX_MS} ms`, async () => {
      const storage = await backend.open();
      try {
        const { workspaceId, endpoint: busy } = await seedWorkspace(storage);
        const quiet: EndpointRecord = { ...busy, id: `${busy.id}_quiet`, url: 'https://quiet.example.com/in' };
        await storage.createEndpoint(quiet);
        // A flood that keeps coming due (one every 10 ms), so no backlog builds up within the test and the
        // fresh lane, which would take the quiet delivery whatever the memo says, stays shut.
        await storage.publishEvents(workspaceId, Array.from({ length: 120 }, (_, n) => newEvent(workspaceId, [busy], { runAt: NOW - 50 + 10 * n })), null);
        await storage.publishEvents(workspaceId, [newEvent(workspaceId, [quiet], { runAt: NOW + 400 })], null);
        let claimedAt: number | null = null;
        for (let at = NOW; at <= NOW + 1000 && claimedAt === null; at += 10) {
          if ((await claimedEndpoints(storage, at)).includes(quiet.id)) claimedAt = at - NOW;
        }
        // Looks at +10 (trusted 50 ms), +60 (100), +160 (200), +360 (400), then +760 finds it.
        assert.equal(claimedAt, 760, 'the quiet delivery, due at +400, is claimed by the first look after it, which the longest memo put off');
        assert.deepEqual([CLAIM_MEMO_MS, CLAIM_MEMO_MAX_MS], [50, 400], 'the schedule this test spells out');
      } finally {
        await storage.close();
      }
    });

    // SQLite only: on PostgreSQL every publish forgets, as each NOTIFY (its own too) says only that deliveries were queued.
    if (backend.name === 'SQLite') test('a publish to the flooded endpoint alone leaves the memo be', async () => {
      const storage = await backend.open();
      try {
        const { busy, quiet, workspaceId } = await flooded(storage);
        await storage.publishEvents(workspaceId, [newEvent(workspaceId, [quiet], { runAt: NOW + 25 })], null);
        await claimedEndpoints(storage, NOW);
        assert.ok((await claimedEndpoints(storage, NOW + 10)).every((id) => id === busy.id), 'the look finds nothing, and is remembered until +60');
        await storage.publishEvents(workspaceId, [newEvent(workspaceId, [busy], { runAt: NOW + 20 })], null);
        for (const at of [30, 40, 50]) assert.ok(!(await claimedEndpoints(storage, NOW + at)).includes(quiet.id), `claimed at +${at}: the flood's own publish ended the memo`);
        assert.ok((await claimedEndpoints(storage, NOW + 60)).includes(quiet.id), 'the look runs again when the memo ends');
      } finally {
        await storage.close();
      }
    });

    test('a delivery published while the memo holds is claimed at the next claim', async () => {
      const storage = await backend.open();
      try {
        const { busy, quiet, workspaceId } = await flooded(storage);
        await claimedEndpoints(storage, NOW);
        assert.ok((await claimedEndpoints(storage, NOW + 10)).every((id) => id === busy.id), 'the look finds nothing, and is remembered');
        await storage.publishEvents(workspaceId, [newEvent(workspaceId, [quiet], { runAt: NOW + 15 })], null);
        assert.equal((await claimedEndpoints(storage, NOW + 20))[0], quiet.id);
      } finally {
        await storage.close();
      }
    });
  });
}

describe('ClaimMemo: how long a look that found nothing is trusted', () => {
  const trustedFor = (memo: ClaimMemo, full: string[], at: number) => {
    memo.rememberNothingPast(full, at, memo.generation);
    let ms = 0;
    while (memo.foundNothingPast(full, at + ms)) ms += 1;
    return ms;
  };

  test('doubles for each look in a row past the same endpoints, up to the longest', () => {
    const memo = new ClaimMemo();
    assert.deepEqual([0, 1, 2, 3, 4].map((n) => trustedFor(memo, ['a', 'b'], n * 1000)), [50, 100, 200, 400, 400]);
    assert.equal(trustedFor(memo, ['b', 'a'], 6000), 400, 'the same endpoints in another order');
  });

  test('starts over after a look found work, after other endpoints, after new work elsewhere; not after work for the same endpoints', () => {
    const memo = new ClaimMemo();
    const grown = () => [0, 1, 2].forEach((n) => trustedFor(memo, ['a'], n * 1000));
    grown();
    memo.foundWorkPast();
    assert.equal(trustedFor(memo, ['a'], 5000), 50, 'after a look that found work');
    grown();
    assert.equal(trustedFor(memo, ['a', 'b'], 5000), 50, 'past other endpoints');
    grown();
    memo.queued(['a']);
    assert.equal(trustedFor(memo, ['a'], 5000), 400, 'work for the flooded endpoint itself changes nothing');
    memo.queued(['a', 'c']);
    assert.equal(memo.nothingPast(5001), null, 'work for another endpoint forgets at once');
    assert.equal(trustedFor(memo, ['a'], 6000), 50);
  });
});
