import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CLAIM_MEMO_MS } from '../../src/storage/sql/fair-claim.ts';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { EndpointRecord } from '../../src/storage/records.ts';
import type { Storage } from '../../src/storage/storage.ts';
import { postgresSchemas, postgresSkipReason } from '../support/postgres.ts';
import { T0, newEvent, seedWorkspace } from './fixtures.ts';

// While one endpoint's flood holds its share, a claim's look past it finds nothing, and the claims of
// the next CLAIM_MEMO_MS skip the look (sql/fair-claim.ts, ClaimMemo). What that may cost another
// endpoint is bounded: work published meanwhile is looked for at once, and work that only became due
// as time passed is looked for again at most CLAIM_MEMO_MS after the last look, however often claims come.

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
