import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, assertErrorShape, eventually, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { createEndpoint, newWorkspace, publish, waitForSettledLog } from './fixtures.ts';
import { openSse, type SseClient } from './sse-client.ts';

// `GET /v1/logs/stream`: the live tail, read over real HTTP with fetch streaming.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long to keep listening before concluding nothing more is coming. */
const QUIET_MS = 400;

describe('live tail', () => {
  let h: TestHerald;
  let receiver: Receiver;
  const streams: SseClient[] = [];
  before(async () => {
    receiver = await startReceiver();
    h = await startTestHerald({ HERALD_STREAM_HEARTBEAT: '200ms' });
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await h?.close();
    await receiver?.close();
  });

  /** Opens a stream with `key` (and `query`, `headers`); closed when the suite ends. */
  async function stream(key: string, query = '', headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await openSse(`${h.url}/v1/logs/stream${query ? `?${query}` : ''}`, { authorization: `Bearer ${key}`, ...headers });
    streams.push(client);
    assert.equal(client.status, 200);
    assert.match(client.headers.get('content-type') ?? '', /^text\/event-stream/);
    return client;
  }
  const entries = (client: SseClient): Row[] => client.events.map((event) => JSON.parse(event.data));
  const entryIds = (client: SseClient) => entries(client).map((row) => row.id);
  async function logIds(api: ApiClient, query = ''): Promise<string[]> {
    const response = await api.get(`/v1/logs?sort=created_at&limit=500${query ? `&${query}` : ''}`);
    assert.equal(response.status, 200, response.text);
    return response.json.data.map((row: Row) => row.id);
  }
  /** The stream's `id:` values are increasing log positions. */
  function assertIncreasingIds(client: SseClient) {
    const seqs = client.events.map((event) => Number(event.id));
    assert.ok(seqs.every((seq, i) => Number.isInteger(seq) && (i === 0 || seq > seqs[i - 1]!)), `ids ${seqs.join(',')}`);
  }

  test('a new entry arrives within 100 ms of its attempt finishing (median of 10)', async (t) => {
    const ws = await newWorkspace(h, 'latency');
    const endpoint = await createEndpoint(ws.api, { url: `${receiver.base}/ok`, max_attempts: 1 });
    const client = await stream(ws.key);
    const lags: number[] = [];
    for (let n = 0; n < 10; n += 1) {
      await publish(ws.api, { type: 'latency.probe', payload: { n }, endpoint_ids: [endpoint.id] });
      const [event] = (await client.waitForEvents(n + 1)).slice(n);
      assert.equal(event!.event, 'log');
      const entry = JSON.parse(event!.data);
      assert.equal(entry.endpoint_id, endpoint.id);
      lags.push(event!.readAt - Date.parse(entry.completed_at));
    }
    const sorted = [...lags].sort((a, b) => a - b);
    const median = (sorted[4]! + sorted[5]!) / 2;
    t.diagnostic(`tail latency (completed_at → read): median ${median} ms, p95 ${sorted[9]} ms, all ${lags.join(',')}`);
    assert.ok(median < 100, `median ${median} ms`);
    assert.deepEqual(entryIds(client), await logIds(ws.api));
  });

  test('filters apply: status, endpoint_id, tag[K], search, combined', async () => {
    const ws = await newWorkspace(h, 'filters');
    const ok = await createEndpoint(ws.api, { url: `${receiver.base}/ok`, max_attempts: 1 });
    const fail = await createEndpoint(ws.api, { url: `${receiver.base}/fail`, max_attempts: 1 });
    const queries = ['', 'status=failed', `endpoint_id=${ok.id}`, 'tag[team]=red', 'search=zebrafish', 'status=succeeded&search=zebra&tag[team]=blue'];
    const clients = await Promise.all(queries.map((query) => stream(ws.key, query)));
    const events = [
      { payload: { species: 'zebrafish' }, tags: { team: 'red' }, endpoint_ids: [ok.id, fail.id] },
      { payload: { species: 'plain' }, tags: { team: 'blue' }, endpoint_ids: [ok.id] },
      { payload: { species: 'plain' }, tags: { team: 'red' }, endpoint_ids: [fail.id] },
      { payload: { species: 'zebrafish' }, tags: { team: 'blue' }, endpoint_ids: [ok.id] },
    ];
    for (const event of events) await publish(ws.api, { type: 'fish.seen', ...event });
    await waitForSettledLog(ws.api);
    for (const [index, query] of queries.entries()) {
      const expected = await logIds(ws.api, query);
      assert.ok(expected.length > 0, `${query} selects something`);
      await clients[index]!.waitForEvents(expected.length);
      await sleep(index === 0 ? QUIET_MS : 0);
      assert.deepEqual(new Set(entryIds(clients[index]!)), new Set(expected), `stream ?${query}`);
      assert.equal(clients[index]!.events.length, expected.length, `stream ?${query}: no extra entries`);
      assertIncreasingIds(clients[index]!);
    }
    assert.equal(entries(clients[0]!).length, 5);
    assert.ok(entries(clients[1]!).every((row) => row.status === 'failed'));
  });

  test('Last-Event-ID resumes with exactly the missed entries, in order', async () => {
    const ws = await newWorkspace(h, 'resume');
    const endpoint = await createEndpoint(ws.api, { url: `${receiver.base}/ok`, max_attempts: 1 });
    const first = await stream(ws.key);
    for (let n = 0; n < 3; n += 1) {
      await publish(ws.api, { type: 'resume.test', payload: { n }, endpoint_ids: [endpoint.id] });
      await first.waitForEvents(n + 1);
    }
    const lastId = first.events[2]!.id!;
    first.close();
    for (let n = 3; n < 7; n += 1) {
      await publish(ws.api, { type: 'resume.test', payload: { n }, endpoint_ids: [endpoint.id] });
      assert.ok(await eventually(async () => (await logIds(ws.api)).length === n + 1), 'the entry is in the log');
    }
    const resumed = await stream(ws.key, '', { 'last-event-id': lastId });
    await resumed.waitForEvents(4);
    await sleep(QUIET_MS);
    const all = await logIds(ws.api);
    assert.equal(all.length, 7);
    assert.deepEqual(entryIds(first), all.slice(0, 3));
    assert.deepEqual(entryIds(resumed), all.slice(3), 'the 4 missed entries, in order, no repeat, no gap');
    assertIncreasingIds(resumed);
    assert.ok(Number(resumed.events[0]!.id) > Number(lastId));
  });

  test('an idle stream gets heartbeat comments (HERALD_STREAM_HEARTBEAT=200ms)', async () => {
    const ws = await newWorkspace(h, 'idle');
    const client = await stream(ws.key);
    await sleep(900);
    const beats = client.comments.filter((comment) => comment.text.startsWith('heartbeat'));
    assert.ok(beats.length >= 2 && beats.length <= 6, `${beats.length} heartbeats in 900 ms`);
    assert.equal(client.events.length, 0);
    assert.equal(client.ended, false);
  });

  test('20 concurrent clients all receive the same entries', async () => {
    const ws = await newWorkspace(h, 'crowd');
    const endpoint = await createEndpoint(ws.api, { url: `${receiver.base}/ok`, max_attempts: 1 });
    const clients = await Promise.all(Array.from({ length: 20 }, () => stream(ws.key)));
    const batch = await ws.api.post('/v1/events/batch', { events: [1, 2, 3, 4, 5].map((n) => ({ type: 'crowd.test', payload: { n }, endpoint_ids: [endpoint.id] })) });
    assert.equal(batch.status, 202, batch.text);
    await Promise.all(clients.map((client) => client.waitForEvents(5)));
    await sleep(QUIET_MS);
    const expected = clients[0]!.events.map((event) => [event.id, event.data]);
    assert.deepEqual(new Set(entryIds(clients[0]!)), new Set(await logIds(ws.api)));
    for (const client of clients) assert.deepEqual(client.events.map((event) => [event.id, event.data]), expected);
  });

  test("a workspace's stream gets nothing of another workspace", async () => {
    const [mine, theirs] = [await newWorkspace(h, 'mine'), await newWorkspace(h, 'theirs')];
    const endpoint = await createEndpoint(theirs.api, { url: `${receiver.base}/ok`, max_attempts: 1 });
    const [quiet, busy] = [await stream(mine.key), await stream(theirs.key)];
    await publish(theirs.api, { type: 'other.test', payload: { secret: 'theirs' }, endpoint_ids: [endpoint.id] });
    await busy.waitForEvents(1);
    const resumedFromZero = await stream(mine.key, '', { 'last-event-id': '0' });
    await sleep(QUIET_MS);
    assert.equal(quiet.events.length, 0);
    assert.equal(resumedFromZero.events.length, 0, 'not even when replaying the whole log');
  });

  test('without a key 401; a bad Last-Event-ID, filter or a cursor 400; all in the error shape', async () => {
    const anonymous = apiClient(h.url, null);
    assert.equal(assertErrorShape(await anonymous.get('/v1/logs/stream'), 401).code, 'UNAUTHORIZED');
    assert.equal(assertErrorShape(await apiClient(h.url, 'hk_wrong').get('/v1/logs/stream'), 401).code, 'UNAUTHORIZED');
    for (const bad of ['abc', '-1', '1.5', '12abc', '9'.repeat(40)]) {
      assert.equal(assertErrorShape(await h.api.get('/v1/logs/stream', { 'last-event-id': bad }), 400).code, 'INVALID_REQUEST', `Last-Event-ID: ${bad}`);
    }
    for (const query of ['status=bogus', 'nope=1', 'search=!!!', 'endpoint_id=ep_x', 'cursor=abc']) {
      assert.equal(assertErrorShape(await h.api.get(`/v1/logs/stream?${query}`), 400).code, 'INVALID_REQUEST', query);
    }
  });

  test('stopping Herald with open streams ends them and does not hang', async () => {
    const other = await startTestHerald({ HERALD_STREAM_HEARTBEAT: '200ms' });
    const clients = await Promise.all(['', 'status=failed', 'search=x'].map((query) =>
      openSse(`${other.url}/v1/logs/stream?${query}`, { authorization: `Bearer ${other.key}` })));
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      other.close(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('close() still waiting after 5 s')), 5000))),
    ]);
    clearTimeout(timer);
    await Promise.all(clients.map((client) => client.waitForEnd(2000)));
    assert.ok(Date.now() - started < 5000);
  });
});
