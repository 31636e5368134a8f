import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertErrorShape } from '../support/herald.ts';
import { buildLogDataSet, type LogDataSet, type LogRow } from './log-data-set.ts';

// One data set (see buildLogDataSet): every filter's expected rows are computed here from the full
// list and compared with what the API answers.

describe('logs: entries, filters and detail', () => {
  let set: LogDataSet;
  let rows: LogRow[];
  let ep: LogDataSet['ep'];
  let evt: LogDataSet['evt'];
  before(async () => {
    set = await buildLogDataSet();
    ({ rows, ep, evt } = set);
  });
  after(async () => {
    await set?.close();
  });

  const count = (endpoint: string) => rows.filter((row) => row.endpoint_id === endpoint).length;

  test('the data set is what the receivers made of it', () => {
    assert.deepEqual(
      { ok: count(ep.ok), fail: count(ep.fail), notFound: count(ep.notFound), gone: count(ep.gone), flaky: count(ep.flaky), refused: count(ep.refused) },
      { ok: 3, fail: 7, notFound: 3, gone: 1, flaky: 4, refused: 3 },
    );
    for (const row of rows) {
      assert.deepEqual(Object.keys(row).sort(), [
        'attempt', 'completed_at', 'created_at', 'delivery_id', 'duration_ms', 'endpoint_id', 'endpoint_url', 'error', 'event_id', 'event_type',
        'http_method', 'http_status', 'id', 'next_attempt_at', 'status', 'tags', 'timings', 'trigger', 'will_retry',
      ]);
      assert.match(row.id, /^log_[0-9a-f]{32}$/);
      assert.deepEqual(Object.keys(row.timings).sort(), ['connect_ms', 'dns_ms', 'tls_ms', 'ttfb_ms']);
    }
    const failures = rows.filter((r) => r.endpoint_id === ep.fail && r.event_id === evt.started).sort((a, b) => a.attempt - b.attempt);
    assert.deepEqual(failures.map((r) => [r.attempt, r.http_status, r.will_retry, r.error?.code]), [[1, 500, true, 'HTTP_STATUS'], [2, 500, true, 'HTTP_STATUS'], [3, 500, false, 'HTTP_STATUS']]);
    for (const row of rows.filter((r) => r.endpoint_id === ep.refused)) {
      assert.equal(row.http_status, null);
      assert.equal(row.error?.code, 'CONNECTION_REFUSED');
    }
    assert.deepEqual([...new Set(set.receiver.requests.filter((r) => r.path.endsWith('ep=flaky')).map((r) => r.method))], ['PUT']);
    for (const row of rows.filter((r) => r.endpoint_id === ep.ok)) assert.deepEqual([row.status, row.error, row.will_retry, row.next_attempt_at], ['succeeded', null, false, null]);
  });

  test('POST /v1/logs/{id}/retry answers 202 {delivery_id}; the new entry has the next attempt number and trigger manual', () => {
    assert.equal(set.retried.status, 202);
    assert.equal(set.retried.body.delivery_id, set.retried.of?.delivery_id);
    const entries = rows.filter((row) => row.delivery_id === set.retried.of?.delivery_id).sort((a, b) => a.attempt - b.attempt);
    assert.deepEqual(entries.map((row) => [row.attempt, row.trigger]), [[1, 'scheduled'], [2, 'scheduled'], [3, 'scheduled'], [4, 'manual']]);
  });

  test('the 410 Gone disabled its endpoint, with a reason', async () => {
    const gone = (await set.h.api.get(`/v1/endpoints/${ep.gone}`)).json;
    assert.equal(gone.enabled, false);
    assert.match(gone.disabled_reason, /410/);
  });

  /** Asserts that `query` answers exactly the rows `keep` selects, in the default order. */
  async function expectRows(query: string, keep: (row: LogRow) => boolean, path = '/v1/logs', allowEmpty = false) {
    const expected = rows.filter(keep).map((row) => row.id);
    if (!allowEmpty) assert.ok(expected.length > 0 && expected.length < rows.length, `${query} should select some rows, not all or none`);
    const response = await set.h.api.get(`${path}?${query}${query ? '&' : ''}limit=500`);
    assert.equal(response.status, 200, `${query}: ${response.text}`);
    assert.deepEqual(response.json.data.map((row: LogRow) => row.id), expected, query);
  }

  const status = (row: LogRow) => row.http_status ?? -1;

  test('filters by id: endpoint_id, delivery_id, event_id', async () => {
    for (const id of Object.values(ep)) await expectRows(`endpoint_id=${id}`, (row) => row.endpoint_id === id);
    await expectRows(`delivery_id=${set.retried.of?.delivery_id}`, (row) => row.delivery_id === set.retried.of?.delivery_id);
    for (const id of Object.values(evt)) await expectRows(`event_id=${id}`, (row) => row.event_id === id);
    await expectRows('event_id=evt_0123456789abcdef0123456789abcdef', () => false, '/v1/logs', true);
  });

  test('filters by event_type (a comma list), status and trigger', async () => {
    await expectRows('event_type=call.ended', (row) => row.event_type === 'call.ended');
    await expectRows('event_type=call.ended,invoice.paid', (row) => ['call.ended', 'invoice.paid'].includes(row.event_type));
    await expectRows('event_type=call.*', () => false, '/v1/logs', true);
    await expectRows('status=succeeded', (row) => row.status === 'succeeded');
    await expectRows('status=failed', (row) => row.status === 'failed');
    await expectRows('trigger=manual', (row) => row.trigger === 'manual');
    await expectRows('trigger=scheduled', (row) => row.trigger === 'scheduled');
  });

  test('filters by http_status: exact, class, comparisons; no response never matches', async () => {
    await expectRows('http_status=404', (row) => row.http_status === 404);
    await expectRows('http_status=200', (row) => row.http_status === 200);
    await expectRows('http_status=404,503', (row) => row.http_status === 404 || row.http_status === 503);
    await expectRows('http_status=4xx', (row) => status(row) >= 400 && status(row) < 500);
    await expectRows('http_status=5xx', (row) => status(row) >= 500);
    await expectRows('http_status=2xx,410', (row) => (status(row) >= 200 && status(row) < 300) || status(row) === 410);
    await expectRows('http_status[gte]=404', (row) => status(row) >= 404);
    await expectRows('http_status[gt]=404', (row) => status(row) > 404);
    await expectRows('http_status[lte]=404', (row) => row.http_status !== null && status(row) <= 404);
    await expectRows('http_status[lt]=404', (row) => row.http_status !== null && status(row) < 404);
    await expectRows('http_status[gte]=400&http_status[lt]=500', (row) => status(row) >= 400 && status(row) < 500);
    await expectRows('http_status=5xx&http_status[lt]=503', (row) => status(row) >= 500 && status(row) < 503);
  });

  test('filters by http_method and attempt', async () => {
    await expectRows('http_method=PUT', (row) => row.http_method === 'PUT');
    await expectRows('http_method=POST', (row) => row.http_method === 'POST');
    await expectRows('attempt=1', (row) => row.attempt === 1);
    await expectRows('attempt=2', (row) => row.attempt === 2);
    await expectRows('attempt=2,3', (row) => row.attempt === 2 || row.attempt === 3);
    await expectRows('attempt=4', (row) => row.attempt === 4);
  });

  test('filters by start_time (inclusive) and end_time (exclusive)', async () => {
    const times = [...new Set(rows.map((row) => row.created_at))].sort();
    const [early, late] = [times[Math.floor(times.length / 3)]!, times[Math.floor((2 * times.length) / 3)]!];
    await expectRows(`start_time=${early}`, (row) => row.created_at >= early);
    await expectRows(`end_time=${early}`, (row) => row.created_at < early);
    await expectRows(`start_time=${early}&end_time=${late}`, (row) => row.created_at >= early && row.created_at < late);
    await expectRows(`start_time=${Date.parse(late)}`, (row) => row.created_at >= late);
  });

  test('filters by tag[K]=V, several tags all apply', async () => {
    await expectRows('tag[team]=red', (row) => row.tags.team === 'red');
    await expectRows('tag[call_id]=c2', (row) => row.tags.call_id === 'c2');
    await expectRows('tag[team]=red&tag[call_id]=c1', (row) => row.tags.team === 'red' && row.tags.call_id === 'c1');
    await expectRows('tag[team]=blue&tag[call_id]=c1', () => false, '/v1/logs', true);
    await expectRows('tag[nope]=red', () => false, '/v1/logs', true);
  });

  test('filters combine', async () => {
    await expectRows(`endpoint_id=${ep.fail}&attempt=2`, (row) => row.endpoint_id === ep.fail && row.attempt === 2);
    await expectRows('status=failed&event_type=call.ended&tag[team]=red', (row) => row.status === 'failed' && row.event_type === 'call.ended' && row.tags.team === 'red');
    await expectRows('http_status=5xx&http_method=PUT', (row) => status(row) >= 500 && row.http_method === 'PUT');
    await expectRows('trigger=scheduled&status=succeeded&event_type=invoice.paid', (row) => row.trigger === 'scheduled' && row.status === 'succeeded' && row.event_type === 'invoice.paid');
    await expectRows(`event_id=${evt.paid}&http_status[gte]=300&tag[team]=red`, (row) => row.event_id === evt.paid && status(row) >= 300 && row.tags.team === 'red');
    await expectRows(`endpoint_id=${ep.ok}&status=failed`, () => false, '/v1/logs', true);
  });

  test('/v1/endpoints/{id}/logs is scoped to the endpoint and takes the same filters', async () => {
    for (const id of Object.values(ep)) await expectRows('', (row) => row.endpoint_id === id, `/v1/endpoints/${id}/logs`);
    await expectRows('status=failed&attempt=1', (row) => row.endpoint_id === ep.flaky && row.status === 'failed' && row.attempt === 1, `/v1/endpoints/${ep.flaky}/logs`);
    assert.equal(assertErrorShape(await set.h.api.get(`/v1/endpoints/${ep.ok}/logs?endpoint_id=${ep.fail}`), 400).code, 'INVALID_REQUEST');
    assert.equal(assertErrorShape(await set.h.api.get('/v1/endpoints/ep_0123456789abcdef0123456789abcdef/logs'), 404).code, 'ENDPOINT_NOT_FOUND');
  });

  test('search finds text in the URL, event type, error and bodies', async () => {
    await expectRows('search=status%2F404', (row) => row.endpoint_url.includes('status/404'));
    await expectRows('search=invoice.paid', (row) => row.event_type === 'invoice.paid');
  });

  test('GET /v1/logs/{id} has the request (signature redacted) and the response; the list has neither', async () => {
    const row = rows.find((r) => r.endpoint_id === ep.ok && r.event_id === evt.ended)!;
    const response = await set.h.api.get(`/v1/logs/${row.id}`);
    assert.equal(response.status, 200, response.text);
    const { request, response: answer, ...entry } = response.json;
    assert.deepEqual(entry, row);
    assert.equal(request.url, row.endpoint_url);
    assert.equal(request.body, JSON.stringify(set.payloads[evt.ended]));
    assert.equal(request.headers['webhook-id'], evt.ended);
    assert.match(request.headers['webhook-timestamp'], /^\d+$/);
    assert.equal(request.headers['content-type'], 'application/json');
    const sent = set.receiver.requests.find((r) => r.path.endsWith('ep=ok') && r.headers['webhook-id'] === evt.ended);
    const realSignature = String(sent?.headers['webhook-signature']).slice(3);
    assert.ok(realSignature.length > 20);
    assert.ok(!response.text.includes(realSignature), 'the real signature is not shown');
    assert.match(request.headers['webhook-signature'], /^v1,/);
    assert.equal(answer.body, JSON.stringify({ received: true }));
    assert.match(answer.headers['content-type'], /application\/json/);
    assert.equal(answer.body_truncated, false);

    const notFound = (await set.h.api.get(`/v1/logs/${rows.find((r) => r.endpoint_id === ep.notFound)!.id}`)).json;
    assert.equal(notFound.http_status, 404);
    assert.equal(notFound.request.body, JSON.stringify(set.payloads[evt.paid]));

    const list = await set.h.api.get('/v1/logs?limit=500');
    assert.ok(!list.text.includes('"request"') && !list.text.includes('"response"'));
  });

  test('an unknown log id answers 404 LOG_NOT_FOUND', async () => {
    assert.equal(assertErrorShape(await set.h.api.get('/v1/logs/log_0123456789abcdef0123456789abcdef'), 404).code, 'LOG_NOT_FOUND');
    assert.equal(assertErrorShape(await set.h.api.post('/v1/logs/log_0123456789abcdef0123456789abcdef/retry'), 404).code, 'LOG_NOT_FOUND');
  });
});
