import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertErrorShape, startTestHerald, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { createEndpoint, newWorkspace, publish, waitForSettledLog, type Workspace } from './fixtures.ts';

// `GET /v1/logs?search=…`: every word must occur, each as a word prefix, in the endpoint URL, event
// type, error message, request body (the payload) or response body. One attempt per delivery here
// (max_attempts 1), so each event leaves exactly one entry per endpoint it went to.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

describe('log search', () => {
  let h: TestHerald;
  let receiver: Receiver;
  let other: Workspace;
  let rows: Row[];
  const ep = { ok: '', fail: '', refused: '' };
  const evt = { fish: '', ada: '', grace: '', call: '' };
  const paged: string[] = [];

  before(async () => {
    receiver = await startReceiver();
    h = await startTestHerald();
    const closed = await startReceiver();
    const refusedUrl = `${closed.base}/gone-away`;
    await closed.close(); // nothing listens there any more: CONNECTION_REFUSED
    const once = { max_attempts: 1 };
    ep.ok = (await createEndpoint(h.api, { url: `${receiver.base}/ok?tenant=alpha`, ...once })).id;
    ep.fail = (await createEndpoint(h.api, { url: `${receiver.base}/fail?tenant=bravo`, ...once })).id;
    ep.refused = (await createEndpoint(h.api, { url: refusedUrl, ...once })).id;

    evt.fish = (await publish(h.api, { type: 'fish.caught', payload: { species: 'zebrafish', note: 'Crème brûlée at the Café' }, endpoint_ids: [ep.ok] })).id;
    evt.ada = (await publish(h.api, { type: 'invoice.paid', payload: { invoice: 'in_123', customer: 'Ada Lovelace' }, endpoint_ids: [ep.ok, ep.fail] })).id;
    evt.grace = (await publish(h.api, { type: 'invoice.paid', payload: { customer: 'Grace Hopper' }, endpoint_ids: [ep.fail] })).id;
    evt.call = (await publish(h.api, { type: 'call.ended', payload: { seconds: 42 }, endpoint_ids: [ep.refused] })).id;
    for (let n = 0; n < 7; n += 1) paged.push((await publish(h.api, { type: 'page.test', payload: { word: 'pagination', n }, endpoint_ids: [ep.ok] })).id);

    // Another workspace with the same words: never found from this one.
    other = await newWorkspace(h, 'other');
    const theirs = await createEndpoint(other.api, { url: `${receiver.base}/fail?tenant=alpha`, ...once });
    await publish(other.api, { type: 'fish.caught', payload: { species: 'zebrafish', customer: 'Ada Lovelace' }, endpoint_ids: [theirs.id] });
    await waitForSettledLog(other.api);
    rows = await waitForSettledLog(h.api);
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  /** GET /v1/logs?search=<text>&<extra> (the text URL-encoded); returns the entries' ids. */
  async function search(text: string, extra = ''): Promise<string[]> {
    const response = await h.api.get(`/v1/logs?search=${encodeURIComponent(text)}&limit=500${extra ? `&${extra}` : ''}`);
    assert.equal(response.status, 200, `search=${text}: ${response.text}`);
    return response.json.data.map((row: Row) => row.id);
  }
  const ids = (keep: (row: Row) => boolean) => rows.filter(keep).map((row) => row.id);
  const of = (eventId: string, endpointId?: string) => (row: Row) => row.event_id === eventId && (endpointId === undefined || row.endpoint_id === endpointId);

  test('the data set: one entry per event and endpoint', () => {
    assert.equal(rows.length, 1 + 2 + 1 + 1 + 7);
    assert.equal(rows.find(of(evt.call))?.error?.code, 'CONNECTION_REFUSED');
    assert.equal(rows.find(of(evt.grace))?.http_status, 500);
  });

  test('finds a word of the payload, a word prefix, whatever the case', async () => {
    assert.deepEqual(await search('zebrafish'), ids(of(evt.fish)));
    assert.deepEqual(await search('zebr'), ids(of(evt.fish)), 'zebr is a prefix of zebrafish');
    assert.deepEqual(await search('ZEBRAFISH'), ids(of(evt.fish)));
    assert.deepEqual(await search('Lovelace'), ids(of(evt.ada)));
    assert.deepEqual(await search('in_123'), ids(of(evt.ada)), 'in_123 is the words in, 123 in sequence');
    assert.deepEqual(await search('afish'), [], 'a prefix of a word, not any substring');
  });

  test('accents are ignored both ways', async () => {
    assert.deepEqual(await search('creme brulee'), ids(of(evt.fish)));
    assert.deepEqual(await search('CAFÉ'), ids(of(evt.fish)));
    assert.deepEqual(await search('cafe'), ids(of(evt.fish)));
    assert.deepEqual(await search('lovélace'), ids(of(evt.ada)));
  });

  test('finds a part of the endpoint URL and the event type', async () => {
    assert.deepEqual(await search('bravo'), ids((row) => row.endpoint_id === ep.fail));
    assert.deepEqual(await search('tenant=alpha'), ids((row) => row.endpoint_id === ep.ok));
    assert.deepEqual(await search('gone-away'), ids((row) => row.endpoint_id === ep.refused));
    assert.deepEqual(await search('invoice.paid'), ids((row) => row.event_type === 'invoice.paid'));
    assert.deepEqual(await search('fish.caught'), ids(of(evt.fish)));
  });

  test('finds words of the error message and of the response body', async () => {
    assert.deepEqual(await search('CONNECTION'), ids(of(evt.call)));
    assert.deepEqual(await search('connection refused'), ids(of(evt.call)));
    const failed = ids((row) => row.endpoint_id === ep.fail);
    assert.deepEqual(await search('receiver answered 500'), failed);
    assert.deepEqual(await search('failing on purpose'), failed, 'the /fail body: {"error":"failing on purpose"}');
    assert.deepEqual(await search('received'), ids((row) => row.endpoint_id === ep.ok), 'the /ok body: {"received":true}');
  });

  test('every word must occur', async () => {
    assert.deepEqual(await search('ada lovelace'), ids(of(evt.ada)));
    assert.deepEqual(await search('lovelace purpose'), ids(of(evt.ada, ep.fail)), 'payload word and response word of the same entry');
    assert.deepEqual(await search('ada hopper'), []);
    assert.deepEqual(await search('zebrafish nowhere'), []);
  });

  test('a word found nowhere finds nothing', async () => {
    assert.deepEqual(await search('xylophone'), []);
    assert.deepEqual(await search('42424242'), []);
  });

  test('combines with the other filters', async () => {
    assert.deepEqual(await search('lovelace', 'status=failed'), ids(of(evt.ada, ep.fail)));
    assert.deepEqual(await search('lovelace', 'status=succeeded'), ids(of(evt.ada, ep.ok)));
    assert.deepEqual(await search('invoice', `endpoint_id=${ep.ok}`), ids(of(evt.ada, ep.ok)));
    assert.deepEqual(await search('invoice', 'http_status=5xx&event_type=invoice.paid'), ids((row) => row.endpoint_id === ep.fail));
    const nested = await h.api.get(`/v1/endpoints/${ep.fail}/logs?search=hopper`);
    assert.equal(nested.status, 200, nested.text);
    assert.deepEqual(nested.json.data.map((row: Row) => row.id), ids(of(evt.grace)));
    const counted = await h.api.get('/v1/logs?search=pagination&count=true&limit=1');
    assert.equal(counted.json.meta.total, 7);
  });

  test('pages through search results with the cursor, and in page mode', async () => {
    const all = await search('pagination');
    assert.equal(all.length, 7);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const response = await h.api.get(`/v1/logs?search=pagination&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(response.status, 200, response.text);
      seen.push(...response.json.data.map((row: Row) => row.id));
      cursor = response.json.meta.next_cursor;
      if (!response.json.meta.has_more) break;
    }
    assert.deepEqual(seen, all, 'every result once, in order, across pages');
    const page2 = await h.api.get('/v1/logs?search=pagination&page=2&page_size=3');
    assert.deepEqual(page2.json.data.map((row: Row) => row.id), all.slice(3, 6));
    assert.equal(page2.json.meta.total, 7);
    const elsewhere = await h.api.get(`/v1/logs?search=zebrafish&limit=3&cursor=${encodeURIComponent(cursor ?? 'x')}`);
    assertErrorShape(elsewhere, 400); // a cursor is bound to its filters, search included
  });

  test("another workspace's entries are never found", async () => {
    assert.deepEqual(await search('zebrafish'), ids(of(evt.fish)));
    const theirs = await other.api.get('/v1/logs?search=zebrafish');
    assert.equal(theirs.json.data.length, 1);
    assert.ok(!rows.some((row) => row.id === theirs.json.data[0].id));
    assert.deepEqual((await other.api.get('/v1/logs?search=hopper')).json.data, []);
    assert.deepEqual((await other.api.get('/v1/logs?search=bravo')).json.data, []);
  });

  test('quotes and full-text syntax in the text are taken as plain words: never a 500', async () => {
    const texts = [
      '"', '""', '"zebra', 'zebr*', '*', '**zebra', 'AND', 'zebrafish AND', 'OR ada', 'NOT', 'ada NOT hopper', 'NEAR(', 'NEAR(ada lovelace)',
      '-', '-ada', 'ada -lovelace', '^ada', 'customer:ada', 'endpoint_url:alpha', '(', ')', '{a b}', "'", "o'brien", '\\', '%', '_', 'a"b',
      '""""', 'ada"lovelace', '*:*', '+', 'a AND OR NOT b', '\u0000', 'ﬁsh', '😀 zebrafish', '漢字',
    ];
    for (const text of texts) {
      const response = await h.api.get(`/v1/logs?search=${encodeURIComponent(text)}`);
      if (response.status !== 200) assert.equal(assertErrorShape(response, 400).code, 'INVALID_REQUEST', `search=${text}`);
    }
    assert.deepEqual(await search('"zebrafish"'), ids(of(evt.fish)), 'quotes are dropped');
    assert.deepEqual(await search('zebr*'), ids(of(evt.fish)));
    assert.deepEqual(await search('NEAR(ada lovelace)'), [], 'NEAR is a word to find (found nowhere), not an operator');
    assert.deepEqual(await search('ada OR hopper'), [], 'OR is a word too, not an operator');
  });

  test('an empty search, only punctuation or a too long text is a 400', async () => {
    for (const text of ['', '   ', '!!!', '"*"', '-', '()', '...']) {
      const error = assertErrorShape(await h.api.get(`/v1/logs?search=${encodeURIComponent(text)}`), 400);
      assert.equal(error.code, 'INVALID_REQUEST', `search=${JSON.stringify(text)}`);
      assert.match(error.message, /search/);
    }
    assertErrorShape(await h.api.get(`/v1/logs?search=${'a'.repeat(257)}`), 400);
  });
});
