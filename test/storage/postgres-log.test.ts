import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/domain/ids.ts';
import { prepareOutcomes, writeOutcomes } from '../../src/storage/postgres/postgres-delivery-queue.ts';
import { floorLockTag } from '../../src/storage/postgres/postgres-log-stream.ts';
import { PARTITION_MS, dayOf, partitionOfDay } from '../../src/storage/postgres/postgres-partitions.ts';
import { searchQuery, searchVector } from '../../src/storage/postgres/postgres-search.ts';
import type { PostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import type { EndpointRecord, EventRecord } from '../../src/storage/records.ts';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { AttemptOutcome, NewEvent, Storage } from '../../src/storage/storage.ts';
import { postgresSchemas, postgresSkipReason, withAdminClient } from '../support/postgres.ts';
import { T0, newEvent, outcomeFor, publishOne, seedWorkspace } from './fixtures.ts';

// The PostgreSQL log: daily partitions and retention by dropping them, the live tail's safe
// positions under concurrent writers, and search and stats that answer as SQLite's do.

const skip = await postgresSkipReason();
const databases = postgresSchemas();
const sqliteDir = mkdtempSync(join(tmpdir(), 'herald-pg-log-'));
after(async () => {
  await databases.dropAll();
  rmSync(sqliteDir, { recursive: true, force: true });
});
const MARGIN = 10_000;
const DAY = PARTITION_MS;

/** Which table of the attempts partitions holds each entry, by id. */
async function partitionsOf(storage: PostgresStorage): Promise<Record<string, string>> {
  return withAdminClient(async (client) => {
    const rows = (await client.query('SELECT id, tableoid::regclass::text AS part FROM attempts')).rows;
    return Object.fromEntries(rows.map((row) => [row.id, row.part]));
  }, storage.schema!);
}

/** Moves a day's partition into the DEFAULT partitions, as if it had never been created. */
async function pushDayIntoDefault(storage: PostgresStorage, day: number): Promise<void> {
  const { attemptsTable, detailsTable } = partitionOfDay(day);
  await withAdminClient(async (client) => {
    for (const [parent, table] of [['attempts', attemptsTable], ['attempt_details', detailsTable]]) {
      await client.query(`ALTER TABLE ${parent} DETACH PARTITION ${table}`);
      await client.query(`INSERT INTO ${parent}_default SELECT * FROM ${table}`);
      await client.query(`DROP TABLE ${table}`);
    }
  }, storage.schema!);
  storage.partitions.forget();
}

describe('PostgreSQL log partitions', { skip }, () => {
  test('migrate creates the partitions of yesterday, today and the next days', async () => {
    const storage = await databases.open();
    try {
      const days = (await storage.partitions.list()).map((partition) => partition.day);
      const today = dayOf(Date.now());
      assert.deepEqual(days, [today - 1, today, today + 1, today + 2, today + 3]);
    } finally {
      await storage.close();
    }
  });

  test('an entry of a day with no partition creates it first; DEFAULT stays empty', async () => {
    const storage = await databases.open();
    try {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const delivery = await publishOne(storage, workspaceId, endpoint);
      const outcome = outcomeFor(delivery, { createdAt: T0 });
      await storage.recordOutcomes([outcome]);
      assert.deepEqual(await partitionsOf(storage), { [outcome.attempt.id]: partitionOfDay(dayOf(T0)).attemptsTable });
      assert.deepEqual((await storage.getAttempt(workspaceId, outcome.attempt.id))?.detail, outcome.detail);
    } finally {
      await storage.close();
    }
  });

  test('rows that landed in DEFAULT move to their day when its partition is created', async () => {
    const storage = await databases.open();
    try {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const [d1, d2] = [await publishOne(storage, workspaceId, endpoint), await publishOne(storage, workspaceId, endpoint)];
      const early = outcomeFor(d1, { createdAt: T0 });
      await storage.recordOutcomes([early]);
      await pushDayIntoDefault(storage, dayOf(T0));
      assert.deepEqual(await partitionsOf(storage), { [early.attempt.id]: 'attempts_default' });

      const late = outcomeFor(d2, { createdAt: T0 + 1000 });
      await storage.recordOutcomes([late]);
      const day = partitionOfDay(dayOf(T0)).attemptsTable;
      assert.deepEqual(await partitionsOf(storage), { [early.attempt.id]: day, [late.attempt.id]: day });
      assert.deepEqual((await storage.getAttempt(workspaceId, early.attempt.id))?.detail, early.detail, 'the detail moved too');
      assert.equal(await storage.countAttempts({ workspaceId }), 2);
    } finally {
      await storage.close();
    }
  });

  test('retention purges exactly at the cutoff, then drops whole days and deletes DEFAULT rows', async () => {
    const storage = await databases.open();
    try {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const cutoff = T0 - 30 * DAY;
      const record = async (createdAt: number): Promise<AttemptOutcome> => {
        const delivery = await publishOne(storage, workspaceId, endpoint, createdAt);
        await storage.claimDueDeliveries(createdAt, 10, MARGIN);
        const outcome = outcomeFor(delivery, { createdAt });
        await storage.recordOutcomes([outcome]);
        return outcome;
      };
      const d40 = [await record(T0 - 40 * DAY), await record(T0 - 40 * DAY + 60_000)];
      const d35 = await record(T0 - 35 * DAY);
      const inDefault = await record(T0 - 33 * DAY);
      await pushDayIntoDefault(storage, dayOf(T0 - 33 * DAY));
      const boundary = await record(cutoff - 1); // 1 ms too old, on a day that is not over at the cutoff
      const kept = await record(cutoff); // exactly at the cutoff: kept, as on SQLite
      const recent = await record(T0 - DAY);
      const unfinished = await publishOne(storage, workspaceId, endpoint, T0 - 45 * DAY); // never attempted: kept
      const claim = { key: 'k-old', requestHash: 'h', response: '{}', notBefore: 0 };
      await storage.publishEvents(workspaceId, [newEvent(workspaceId, [], { runAt: T0 - 2 * DAY })], claim);

      const first = await storage.purgeBatch(cutoff, T0 - DAY, 500);
      assert.deepEqual(first, { attempts: 5, deliveries: 5, events: 5, idempotencyKeys: 1 });
      assert.deepEqual(await storage.purgeBatch(cutoff, T0 - DAY, 500), { attempts: 0, deliveries: 0, events: 0, idempotencyKeys: 0 }, 'a second pass finds nothing');

      // What the API sees: exactly the entries at or after the cutoff.
      const listed = (await storage.listAttempts({ workspaceId }, { sort: [{ field: 'created_at', descending: false }], limit: 50 })).rows.map((row) => row.id);
      assert.deepEqual(listed, [kept.attempt.id, recent.attempt.id]);
      assert.equal(await storage.countAttempts({ workspaceId }), 2);
      assert.equal(await storage.getAttempt(workspaceId, boundary.attempt.id), null);
      assert.deepEqual(await storage.listAttemptsOfDelivery(workspaceId, boundary.attempt.deliveryId), []);
      assert.deepEqual((await storage.streamAttempts(0, 50)).map((row) => row.attempt.id), [kept.attempt.id, recent.attempt.id]);
      const stats = await storage.attemptStats({ workspaceId, since: 0, until: T0 + DAY, bucketMs: DAY });
      assert.equal(stats.durations.reduce((sum, d) => sum + d.count, 0), 2);

      // What is stored: whole old days dropped, the DEFAULT row deleted, the cutoff's day kept until it is over.
      assert.deepEqual(Object.keys(await partitionsOf(storage)).sort(), [boundary.attempt.id, kept.attempt.id, recent.attempt.id].sort());
      const days = (await storage.partitions.list()).map((partition) => partition.day);
      assert.ok(!days.includes(dayOf(d40[0]!.attempt.createdAt)) && !days.includes(dayOf(d35.attempt.createdAt)), 'their partitions are gone');
      assert.ok(days.includes(dayOf(boundary.attempt.createdAt)));
      const details = await withAdminClient(async (client) => (await client.query('SELECT attempt_id FROM attempt_details ORDER BY attempt_id')).rows.map((row) => row.attempt_id), storage.schema!);
      assert.deepEqual(details, [boundary.attempt.id, kept.attempt.id, recent.attempt.id].sort(), 'details went with their entries');
      assert.ok(!details.includes(inDefault.attempt.id));

      assert.equal((await storage.getDelivery(workspaceId, unfinished.id))?.status, 'queued', 'unfinished deliveries are never removed');
      assert.ok(await storage.getEvent(workspaceId, unfinished.eventId), 'nor their events');
      const tagRows = await withAdminClient(async (client) => (await client.query('SELECT count(*)::int AS n FROM event_tags')).rows[0].n, storage.schema!);
      assert.equal(tagRows, 4, "purged events' tags went with them (left: the unfinished, kept, recent and idempotent events')");
    } finally {
      await storage.close();
    }
  });
  test('a day retention has passed gets no new partition: late rows of it go to DEFAULT, out of sight', async () => {
    const storage = await databases.open();
    try {
      const today = dayOf(Date.now());
      const cutoff = today * DAY + 1000;
      await storage.purgeBatch(cutoff, 0, 500);
      const days = async () => (await storage.partitions.list()).map((partition) => partition.day);
      assert.deepEqual(await days(), [today, today + 1, today + 2, today + 3], "yesterday's partition was dropped");
      await storage.purgeBatch(cutoff, 0, 500);
      assert.deepEqual(await days(), [today, today + 1, today + 2, today + 3], 'and not made again by the next pass');

      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const delivery = await publishOne(storage, workspaceId, endpoint, today * DAY - 5000);
      const late = outcomeFor(delivery, { createdAt: today * DAY - 5000 });
      await storage.recordOutcomes([late]);
      assert.deepEqual(await partitionsOf(storage), { [late.attempt.id]: 'attempts_default' });
      assert.equal(await storage.getAttempt(workspaceId, late.attempt.id), null, 'older than the horizon: purged on arrival');
      await storage.purgeBatch(cutoff, 0, 500);
      assert.deepEqual(await partitionsOf(storage), {}, 'and deleted from DEFAULT at the next pass');
    } finally {
      await storage.close();
    }
  });
});

describe('PostgreSQL live tail positions', { skip }, () => {
  test('an entry committed late with a lower position holds the tail back until it commits', async () => {
    const storage = await databases.open();
    try {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const [d1, d2, d3] = [await publishOne(storage, workspaceId, endpoint), await publishOne(storage, workspaceId, endpoint), await publishOne(storage, workspaceId, endpoint)];
      await storage.claimDueDeliveries(T0, 10, MARGIN);
      const start = await storage.latestAttemptSeq();
      const options = { floorTag: floorLockTag(storage.schema) };

      // Writer A takes its position, then stalls before committing.
      const slow = outcomeFor(d1, { createdAt: T0 + 1 });
      const prepared = await prepareOutcomes(storage.database, storage.partitions, [slow]);
      let entered!: () => void;
      let commit!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const gate = new Promise<void>((resolve) => (commit = resolve));
      const writerA = storage.database.transaction(async (tx) => {
        await writeOutcomes(tx, prepared, options);
        entered();
        await gate;
      });
      await inside;

      // Writer B takes the next position and commits first.
      const quick = outcomeFor(d2, { createdAt: T0 + 2 });
      await storage.recordOutcomes([quick]);
      assert.equal(await storage.countAttempts({ workspaceId }), 1, "B's entry is committed and listed");
      assert.deepEqual(await storage.streamAttempts(start, 100), [], "but the tail waits: A's lower position may still commit");
      assert.equal(await storage.latestAttemptSeq(), start, 'and a new reader starts before it');

      commit();
      await writerA;
      const streamed = await storage.streamAttempts(start, 100);
      assert.deepEqual(streamed.map((row) => row.attempt.id), [slow.attempt.id, quick.attempt.id], 'both, in position order');
      assert.deepEqual(streamed.map((row) => row.seq), [start + 1, start + 2]);
      assert.equal(await storage.latestAttemptSeq(), start + 2);

      // A writer that rolls back leaves a gap the tail passes once it is gone.
      const aborted = storage.database.transaction(async (tx) => {
        await writeOutcomes(tx, await prepareOutcomes(storage.database, storage.partitions, [outcomeFor(d3, { createdAt: T0 + 3 })]), options);
        throw new Error('rolled back on purpose');
      });
      await assert.rejects(aborted, /on purpose/);
      const after = outcomeFor(d3, { createdAt: T0 + 4 });
      await storage.recordOutcomes([after]);
      const next = await storage.streamAttempts(start + 2, 100);
      assert.deepEqual(next.map((row) => [row.seq, row.attempt.id]), [[start + 4, after.attempt.id]]);
      assert.deepEqual(await storage.searchAttemptSeqs('hooks', [start + 1, start + 4, 999]), [start + 1, start + 4]);
    } finally {
      await storage.close();
    }
  });

  test('writers in another schema of the same database do not hold this tail back for good', async () => {
    const mine = await databases.open();
    const theirs = await databases.open();
    try {
      assert.notEqual(floorLockTag(mine.schema), floorLockTag(theirs.schema), 'tags differ (a clash would only delay, never skip)');
      const { workspaceId, endpoint } = await seedWorkspace(mine);
      const delivery = await publishOne(mine, workspaceId, endpoint);
      await mine.recordOutcomes([outcomeFor(delivery)]);
      const other = await seedWorkspace(theirs);
      const theirDelivery = await publishOne(theirs, other.workspaceId, other.endpoint);
      const prepared = await prepareOutcomes(theirs.database, theirs.partitions, [outcomeFor(theirDelivery)]);
      await theirs.database.transaction(async (tx) => {
        await writeOutcomes(tx, prepared, { floorTag: floorLockTag(theirs.schema) });
        assert.equal((await mine.streamAttempts(0, 10)).length, 1, 'their open transaction does not hide my entry');
      });
    } finally {
      await mine.close();
      await theirs.close();
    }
  });
});

/** The log-search data set (test/http/log-search.test.ts) as records, written the same way to each backend. */
function searchDataSet(): { endpoints: EndpointRecord[]; events: NewEvent[]; outcomes: AttemptOutcome[]; workspaceId: string } {
  const workspaceId = newId('ws');
  const base = { workspaceId, description: null, eventTypes: null, method: 'POST' as const, headers: {}, secret: 'whsec_x', previousSecret: null, previousSecretExpiresAt: null, enabled: true, disabledReason: null, timeoutMs: 1000, maxAttempts: 1, rateLimitPerS: null, metadata: {}, createdAt: T0, updatedAt: T0 };
  const ok: EndpointRecord = { ...base, id: newId('ep'), url: 'http://127.0.0.1:4100/ok?tenant=alpha' };
  const fail: EndpointRecord = { ...base, id: newId('ep'), url: 'http://127.0.0.1:4100/fail?tenant=bravo' };
  const refused: EndpointRecord = { ...base, id: newId('ep'), url: 'http://127.0.0.1:4101/gone-away' };
  const events: NewEvent[] = [];
  const outcomes: AttemptOutcome[] = [];
  const publish = (type: string, payload: unknown, to: EndpointRecord[]) => {
    const created = newEvent(workspaceId, to, { type, payload, runAt: T0 + events.length });
    events.push(created);
    for (const delivery of created.deliveries) {
      const endpoint = to.find((e) => e.id === delivery.endpointId)!;
      const outcome =
        endpoint === ok
          ? outcomeFor(delivery, { httpStatus: 200, createdAt: delivery.createdAt })
          : endpoint === fail
            ? outcomeFor(delivery, { httpStatus: 500, createdAt: delivery.createdAt, nextAttemptAt: null })
            : outcomeFor(delivery, { httpStatus: null, createdAt: delivery.createdAt, nextAttemptAt: null });
      if (endpoint === ok) outcome.detail.responseBody = '{"received":true}';
      if (endpoint === fail) {
        outcome.detail.responseBody = '{"error":"failing on purpose"}';
        outcome.attempt.error = { code: 'HTTP_STATUS', message: 'the receiver answered 500' };
      }
      if (endpoint === refused) {
        outcome.detail.responseBody = '';
        outcome.attempt.error = { code: 'CONNECTION_REFUSED', message: 'connection refused by 127.0.0.1:4101' };
      }
      outcomes.push(outcome);
    }
  };
  publish('fish.caught', { species: 'zebrafish', note: 'Crème brûlée at the Café' }, [ok]);
  publish('invoice.paid', { invoice: 'in_123', customer: 'Ada Lovelace' }, [ok, fail]);
  publish('invoice.paid', { customer: 'Grace Hopper' }, [fail]);
  publish('call.ended', { seconds: 42 }, [refused]);
  publish('unicode.test', { text: 'ﬁsh 漢字 😀 İstanbul Ärger straße naïve', more: 'x'.repeat(30) }, [ok]);
  publish('long.text', { words: Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(' '), tail: 'needle_haystack' }, [ok]);
  for (let n = 0; n < 7; n += 1) publish('page.test', { word: 'pagination', n }, [ok]);
  return { endpoints: [ok, fail, refused], events, outcomes, workspaceId };
}

async function writeDataSet(storage: Storage, data: ReturnType<typeof searchDataSet>): Promise<void> {
  await storage.createWorkspace({ id: data.workspaceId, name: 'search', createdAt: T0 });
  for (const endpoint of data.endpoints) await storage.createEndpoint(endpoint);
  for (const created of data.events) await storage.publishEvents(data.workspaceId, [created], null);
  await storage.claimDueDeliveries(T0 + 1000, 100, MARGIN);
  await storage.recordOutcomes(data.outcomes);
}

const SEARCHES = [
  'zebrafish', 'zebr', 'ZEBRAFISH', 'Lovelace', 'in_123', 'in_12', 'afish', 'creme brulee', 'CAFÉ', 'cafe', 'lovélace', 'bravo', 'tenant=alpha',
  'gone-away', 'invoice.paid', 'fish.caught', 'CONNECTION', 'connection refused', 'receiver answered 500', 'failing on purpose', 'received',
  'ada lovelace', 'lovelace purpose', 'ada hopper', 'zebrafish nowhere', 'xylophone', '42424242', 'pagination', '127.0.0.1', 'http', '4101',
  'alpha fish', 'bravo invoice', 'ok tenant', 'ok?tenant', 'paid ada',
  '"', '""', '"zebra', 'zebr*', '*', '**zebra', 'AND', 'zebrafish AND', 'OR ada', 'NOT', 'ada NOT hopper', 'NEAR(', 'NEAR(ada lovelace)',
  '-', '-ada', 'ada -lovelace', '^ada', 'customer:ada', 'endpoint_url:alpha', '(', ')', '{a b}', "'", "o'brien", '\\', '%', '_', 'a"b',
  '""""', 'ada"lovelace', '*:*', '+', 'a AND OR NOT b', '\u0000', 'ﬁsh', 'fish', '😀 zebrafish', '漢字', '漢', 'istanbul', 'ärger', 'arger',
  'strasse', 'straße', 'naive', 'w19999', 'w5', 'needle', 'needle_haystack', 'w0 w1', "'; DROP TABLE attempts; --", ':*', '&', '|', '!', '<->',
];

describe('PostgreSQL search and stats, against SQLite', { skip }, () => {
  let pg: PostgresStorage;
  let sqlite: SqliteStorage;
  let data: ReturnType<typeof searchDataSet>;
  before(async () => {
    data = searchDataSet();
    pg = await databases.open();
    sqlite = new SqliteStorage(join(sqliteDir, 'search.db'));
    await sqlite.migrate();
    for (const storage of [pg, sqlite]) await writeDataSet(storage, data);
  });
  after(async () => {
    await pg?.close();
    await sqlite?.close();
  });

  const found = async (storage: Storage, search: string): Promise<string[]> =>
    (await storage.listAttempts({ workspaceId: data.workspaceId, search }, { sort: [{ field: 'created_at', descending: true }], limit: 500 })).rows.map((row) => row.id);

  test('every search finds the same entries, in the same order', async () => {
    const differences: string[] = [];
    for (const search of SEARCHES) {
      const [a, b] = [await found(pg, search), await found(sqlite, search)];
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`${JSON.stringify(search)}: PostgreSQL ${a.length}, SQLite ${b.length}`);
    }
    assert.deepEqual(differences, []);
    assert.equal((await found(pg, 'zebrafish')).length, 1, 'the data set finds things');
    assert.equal((await found(pg, 'in_123')).length, 2);
  });

  test('counts, filters and the live-tail search agree too', async () => {
    for (const search of ['pagination', 'lovelace', 'invoice', 'connection']) {
      const filters = { workspaceId: data.workspaceId, search };
      assert.equal(await pg.countAttempts(filters), await sqlite.countAttempts(filters), search);
      const failed = { ...filters, status: 'failed' as const };
      assert.equal(await pg.countAttempts(failed), await sqlite.countAttempts(failed), `${search}, failed`);
    }
    const idsOfSeqs = async (storage: Storage, search: string) => {
      const streamed = await storage.streamAttempts(0, 500);
      const matched = new Set(await storage.searchAttemptSeqs(search, streamed.map((row) => row.seq)));
      return streamed.filter((row) => matched.has(row.seq)).map((row) => row.attempt.id).sort();
    };
    for (const search of ['lovelace purpose', 'zebr', 'nothing-here', '"']) {
      assert.deepEqual(await idsOfSeqs(pg, search), await idsOfSeqs(sqlite, search), search);
    }
  });

  test('a phrase deep in a long body is found (positions wrap around past 16,383)', async () => {
    assert.equal((await found(pg, 'needle_haystack')).length, 1);
    assert.equal((await found(pg, 'w19998 w19999')).length, 1);
    const vector = searchVector(['a '.repeat(16_381) + 'b c']); // a field gap at 1, a at 2…16,382
    assert.match(vector, /'b':16383 'c':1$/);
  });

  test('stats over the same entries are the same', async () => {
    for (const query of [
      { workspaceId: data.workspaceId, since: T0 - 1000, until: T0 + 10_000, bucketMs: 3 },
      { workspaceId: data.workspaceId, endpointId: data.endpoints[1]!.id, since: T0, until: T0 + 5, bucketMs: 1000 },
    ]) {
      assert.deepEqual(await pg.attemptStats(query), await sqlite.attemptStats(query));
    }
  });

  test('the tsquery is built from tokens only: no syntax of the text gets through', () => {
    assert.equal(searchQuery('in_123 "Ada"'), "('in' <-> '123':*) & ('ada':*)");
    assert.equal(searchQuery("'; DROP TABLE x; --"), "('drop':*) & ('table':*) & ('x':*)");
    assert.equal(searchQuery('!!! -- ""'), null);
    assert.equal(searchVector(['https://a.example/x', 'A.b', null, 'Crème']), "'https':2 'a':3,7 'example':4 'x':5 'b':8 'creme':10");
  });
});

describe('PostgreSQL event payloads', { skip }, () => {
  test('payloads round-trip byte for byte, whatever their characters', async () => {
    const storage = await databases.open();
    try {
      const { workspaceId, endpoint } = await seedWorkspace(storage);
      const payload = '{ "b":1,"a" : [1.0, 2e3, "\\u00e9\\n\\"q\\"", "é😀", "\\\\", "\'", "{\\"x\\"}"] ,"z":null }';
      const created = newEvent(workspaceId, [endpoint]);
      const event: EventRecord = { ...created.event, payload, tags: { 'k "q"': 'v\\,{}' } };
      await storage.publishEvents(workspaceId, [{ event, deliveries: created.deliveries }], null);
      assert.equal((await storage.getEvent(workspaceId, event.id))?.payload, payload);
      assert.deepEqual((await storage.getEvent(workspaceId, event.id))?.tags, event.tags);
      const [claimed] = await storage.claimDueDeliveries(T0, 1, MARGIN);
      assert.equal(claimed?.payload, payload);
      assert.equal((await storage.listEvents({ workspaceId, tags: { 'k "q"': 'v\\,{}' } }, { sort: [], limit: 10 })).rows.length, 1);
    } finally {
      await storage.close();
    }
  });
});
