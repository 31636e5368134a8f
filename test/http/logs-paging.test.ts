import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertErrorShape } from '../support/herald.ts';
import { buildLogDataSet, sortKeysOf, walkCursor, type LogDataSet, type LogRow } from './log-data-set.ts';

// Paging, sorting, counting and sparse fields over one known data set (see buildLogDataSet), and
// the 400s of a list query that cannot be answered.

describe('logs: paging, sorting and query errors', () => {
  let set: LogDataSet;
  let rows: LogRow[];
  before(async () => {
    set = await buildLogDataSet();
    ({ rows } = set);
  });
  after(async () => {
    await set?.close();
  });

  for (const sort of ['-created_at', 'created_at', '-duration_ms,created_at', 'http_status,-attempt']) {
    test(`cursor paging with limit 2 walks every row once, sorted by ${sort}`, async () => {
      const walked = await walkCursor(set.h.api, `/v1/logs?sort=${sort}&limit=2`);
      assert.equal(walked.length, rows.length);
      assert.equal(new Set(walked.map((row) => row.id)).size, rows.length, 'no row twice');
      const onePage = await set.h.api.get(`/v1/logs?sort=${sort}&limit=500`);
      assert.deepEqual(walked.map((row) => row.id), onePage.json.data.map((row: LogRow) => row.id));
      const keys = sortKeysOf(sort);
      for (let i = 1; i < walked.length; i += 1) assert.ok(keys(walked[i - 1]!, walked[i]!) <= 0, `rows ${i - 1} and ${i} are out of order for ${sort}`);
    });
  }

  test('cursor paging keeps the filters', async () => {
    const walked = await walkCursor(set.h.api, '/v1/logs?status=failed&limit=2&sort=attempt');
    assert.deepEqual(walked.map((row) => row.id).sort(), rows.filter((row) => row.status === 'failed').map((row) => row.id).sort());
  });

  test('page mode gives meta.total and meta.pages and the same rows; count=true gives meta.total', async () => {
    const first = await set.h.api.get('/v1/logs?page=1&page_size=5');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.meta.total, rows.length);
    assert.equal(first.json.meta.pages, Math.ceil(rows.length / 5));
    assert.equal(first.json.meta.page, 1);
    assert.equal(first.json.meta.page_size, 5);
    const paged: string[] = [];
    for (let page = 1; page <= first.json.meta.pages; page += 1) {
      const response = await set.h.api.get(`/v1/logs?page=${page}&page_size=5`);
      paged.push(...response.json.data.map((row: LogRow) => row.id));
    }
    assert.deepEqual(paged, rows.map((row) => row.id));
    assert.deepEqual((await set.h.api.get(`/v1/logs?page=${first.json.meta.pages + 1}&page_size=5`)).json.data, []);
    const failedPage = await set.h.api.get('/v1/logs?page=1&page_size=3&status=failed');
    assert.equal(failedPage.json.meta.total, rows.filter((row) => row.status === 'failed').length);

    const counted = await set.h.api.get('/v1/logs?count=true&limit=1');
    assert.equal(counted.json.meta.total, rows.length);
    assert.equal(counted.json.meta.has_more, true);
    assert.equal((await set.h.api.get('/v1/logs?count=true&status=succeeded')).json.meta.total, rows.filter((row) => row.status === 'succeeded').length);
    assert.equal((await set.h.api.get('/v1/logs?limit=1')).json.meta.total, undefined, 'no total unless asked');
  });

  test('fields=id,status returns only those keys', async () => {
    const response = await set.h.api.get('/v1/logs?fields=id,status&limit=500');
    assert.equal(response.json.data.length, rows.length);
    for (const row of response.json.data) assert.deepEqual(Object.keys(row).sort(), ['id', 'status']);
    for (const row of (await set.h.api.get('/v1/logs?fields=http_status')).json.data) assert.deepEqual(Object.keys(row).sort(), ['http_status', 'id']);
  });

  test('a cursor is bound to its filters and sort; a forged or garbled cursor answers 400', async () => {
    const cursor = (await set.h.api.get('/v1/logs?limit=2')).json.meta.next_cursor as string;
    assert.equal(typeof cursor, 'string');
    const bad = [
      `limit=2&status=failed&cursor=${encodeURIComponent(cursor)}`,
      `limit=2&sort=created_at&cursor=${encodeURIComponent(cursor)}`,
      'cursor=garbage',
      'cursor=',
      `cursor=${encodeURIComponent(`${cursor}x`)}`,
      `cursor=${encodeURIComponent(`${Buffer.from(JSON.stringify({ q: 'x', v: [0], id: 'log_' })).toString('base64url')}.${cursor.split('.')[1]}`)}`,
    ];
    for (const query of bad) assert.equal(assertErrorShape(await set.h.api.get(`/v1/logs?${query}`), 400).code, 'INVALID_REQUEST', query);
    assert.equal(assertErrorShape(await set.h.api.get(`/v1/endpoints/${set.ep.ok}/logs?limit=2&cursor=${encodeURIComponent(cursor)}`), 400).code, 'INVALID_REQUEST');
    assert.equal(assertErrorShape(await set.h.api.get(`/v1/deliveries?limit=2&cursor=${encodeURIComponent(cursor)}`), 400).code, 'INVALID_REQUEST');
  });

  test('invalid query parameters answer 400 INVALID_REQUEST naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['limit=0', 'limit'], ['limit=501', 'limit'], ['limit=ten', 'limit'], ['sort=bogus', 'sort'], ['sort=-payload', 'sort'],
      ['status=weird', 'status'], ['http_status=6xx', 'http_status'], ['http_status=abc', 'http_status'], ['http_status[gte]=high', 'http_status[gte]'],
      ['foo=1', 'foo'], ['start_time=yesterday', 'start_time'], ['end_time=not-a-date', 'end_time'], ['trigger=sometimes', 'trigger'],
      ['attempt=0', 'attempt'], ['http_method=GET', 'http_method'], ['page=0', 'page'], ['page_size=501', 'page_size'], ['count=maybe', 'count'],
      ['endpoint_id=nope', 'endpoint_id'], ['fields=id,secret', 'fields'], ['status=failed&status=succeeded', 'status'],
    ];
    for (const [query, field] of cases) {
      const error = assertErrorShape(await set.h.api.get(`/v1/logs?${query}`), 400);
      assert.equal(error.code, 'INVALID_REQUEST', query);
      assert.ok(error.details?.some((detail) => detail.field === field), `${query}: ${JSON.stringify(error.details)}`);
    }
  });

});
