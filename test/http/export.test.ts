import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { csvRecord, type CsvValue } from '../../src/services/log-export.ts';
import { apiClient, assertErrorShape, eventually, startTestHerald, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { at, createEndpoint, newWorkspace, publish, waitForSettledLog } from './fixtures.ts';
import { walkCursor, type LogRow } from './log-data-set.ts';

const COLUMNS = [
  'id', 'created_at', 'completed_at', 'delivery_id', 'event_id', 'endpoint_id', 'endpoint_url', 'event_type', 'attempt', 'trigger', 'status',
  'http_method', 'http_status', 'error_code', 'error_message', 'duration_ms', 'dns_ms', 'connect_ms', 'tls_ms', 'ttfb_ms', 'will_retry',
  'next_attempt_at', 'tags',
];

/**
 * A small RFC 4180 reader: records end in CRLF (a bare LF is accepted too); a quoted field may
 * hold commas, CR, LF and doubled quotes. Throws on a stray quote, so sloppy quoting fails the test.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  const plain = /[",\r\n]/g;
  while (i < text.length) {
    let field: string;
    if (text[i] === '"') {
      field = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) throw new Error('unterminated quoted field');
        field += text.slice(from, quote);
        if (text[quote + 1] !== '"') {
          i = quote + 1;
          break;
        }
        field += '"';
        from = quote + 2;
      }
      if (i < text.length && !',\r\n'.includes(text[i]!)) throw new Error(`text after a closing quote at ${i}`);
    } else {
      plain.lastIndex = i;
      const stop = plain.exec(text)?.index ?? text.length;
      if (text[stop] === '"') throw new Error(`a quote inside an unquoted field at ${stop}`);
      field = text.slice(i, stop);
      i = stop;
    }
    record.push(field);
    if (i >= text.length) break;
    if (text[i] === ',') {
      i += 1;
      if (i === text.length) record.push('');
    } else {
      records.push(record);
      record = [];
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    }
  }
  if (record.length > 0) records.push(record);
  return records;
}

/** The CSV cells a list entry should come out as. */
function expectedCells(row: LogRow): string[] {
  const cell = (value: string | number | boolean | null | undefined) => (value === null || value === undefined ? '' : String(value));
  return [
    row.id, row.created_at, row.completed_at, row.delivery_id, row.event_id, row.endpoint_id, row.endpoint_url, row.event_type, cell(row.attempt),
    row.trigger, row.status, row.http_method, cell(row.http_status), cell(row.error?.code), cell(row.error?.message), cell(row.duration_ms),
    cell(row.timings.dns_ms), cell(row.timings.connect_ms), cell(row.timings.tls_ms), cell(row.timings.ttfb_ms), cell(row.will_retry),
    cell(row.next_attempt_at), JSON.stringify(row.tags),
  ];
}

const ndjsonOf = (text: string): LogRow[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n').map((line) => JSON.parse(line) as LogRow));

describe('CSV records (pure)', () => {
  test('RFC 4180: quotes doubled, fields with , " CR LF quoted, null empty, CRLF line end', () => {
    const values: CsvValue[] = ['plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', null, true, false, 42, '', ' spaced '];
    const line = csvRecord(values);
    assert.equal(line, 'plain,"a,b","say ""hi""","line\nbreak","cr\rhere",,true,false,42,, spaced \r\n');
    assert.deepEqual(parseCsv(line), [['plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', '', 'true', 'false', '42', '', ' spaced ']]);
  });

  test('any strings round-trip through csvRecord and an RFC 4180 reader', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ',', '"', '\r', '\n', ' ', 'é', '🙂', '=') });
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 8 }), (records) => {
        const text = records.map((r) => csvRecord(r)).join('');
        assert.deepEqual(parseCsv(text), records);
      }),
      { numRuns: 300 },
    );
  });
});

describe('GET /v1/logs/export', () => {
  let h: TestHerald;
  let receiver: Receiver;
  let rows: LogRow[];
  const ep: Record<string, string> = {};
  const NOTE = 'he said "hi", then\nleft, \r\nand came back';

  before(async () => {
    [h, receiver] = await Promise.all([startTestHerald({ HERALD_RETRY_SCHEDULE: '20ms,20ms' }), startReceiver()]);
    ep.ok = (await createEndpoint(h.api, { url: `${receiver.base}/ok?a=1,2&q="x"`, event_types: ['export.*'] })).id;
    ep.fail = (await createEndpoint(h.api, { url: at(receiver.base, '/fail', 'f,a,i,l'), event_types: ['export.*'] })).id;
    ep.notFound = (await createEndpoint(h.api, { url: at(receiver.base, '/status/404', 'nf'), event_types: ['export.b'] })).id;
    for (let i = 0; i < 6; i += 1) {
      const tags: Record<string, string> = i % 2 === 0 ? { note: NOTE, team: 'red,blue', n: String(i) } : { n: String(i) };
      await publish(h.api, { type: i < 3 ? 'export.a' : 'export.b', payload: { i }, tags });
      await sleep(10);
    }
    rows = await waitForSettledLog(h.api);
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('the data set: ok, failing (3 attempts) and 404 endpoints; tags and a URL that need CSV quoting', () => {
    assert.equal(rows.length, 6 + 6 * 3 + 3 * 3);
    assert.ok(rows.some((row) => row.endpoint_url.includes('"') && row.endpoint_url.includes(',')));
    assert.ok(rows.some((row) => row.tags.note === NOTE));
  });

  test('NDJSON (the default) equals GET /v1/logs entry for entry, with attachment headers', async () => {
    const response = await h.api.get('/v1/logs/export');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('content-type'), 'application/x-ndjson');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="herald-logs-\d{8}T\d{6}Z\.ndjson"$/);
    assert.ok(response.text.endsWith('\n'));
    assert.deepEqual(ndjsonOf(response.text), await walkCursor(h.api, '/v1/logs?limit=7'));
    const explicit = await h.api.get('/v1/logs/export?format=ndjson');
    assert.deepEqual(ndjsonOf(explicit.text), ndjsonOf(response.text));
  });

  test('filters and sort apply as on GET /v1/logs', async () => {
    const queries = [
      'status=failed',
      'status=failed&sort=created_at',
      'sort=-duration_ms,attempt',
      'event_type=export.b&http_status=4xx',
      `endpoint_id=${ep.fail}&attempt=2,3`,
      'tag[team]=red,blue',
      'tag[n]=3&trigger=scheduled',
      `start_time=${rows[rows.length - 10]!.created_at}&end_time=${rows[5]!.created_at}`,
      'status=succeeded&http_method=POST&http_status[lt]=300',
    ];
    for (const query of queries) {
      const exported = ndjsonOf((await h.api.get(`/v1/logs/export?${query}`)).text);
      const listed = await walkCursor(h.api, `/v1/logs?${query}&limit=4`);
      assert.ok(listed.length > 0 && (query.startsWith('sort=') || listed.length < rows.length), `${query} selects some rows`);
      assert.deepEqual(exported, listed, query);
    }
    const failed = ndjsonOf((await h.api.get('/v1/logs/export?status=failed')).text);
    assert.ok(failed.every((row) => row.status === 'failed'));
    assert.equal(failed.length, rows.filter((row) => row.status === 'failed').length);
  });

  test('CSV: a header, then one record per entry that parses back to the same values', async () => {
    const response = await h.api.get('/v1/logs/export?format=csv');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="herald-logs-\d{8}T\d{6}Z\.csv"$/);
    assert.ok(response.text.endsWith('\r\n'));
    const [header, ...records] = parseCsv(response.text);
    assert.deepEqual(header, COLUMNS);
    assert.equal(records.length, rows.length);
    records.forEach((record, index) => {
      const row = rows[index]!;
      assert.equal(record.length, COLUMNS.length);
      const expected = expectedCells(row);
      assert.deepEqual(record.slice(0, -1), expected.slice(0, -1), row.id);
      assert.deepEqual(JSON.parse(record.at(-1)!), row.tags, 'tags is the JSON of the tags');
    });
    const quoted = records.find((record) => record[6]!.includes('"'));
    assert.equal(quoted?.[6], `${receiver.base}/ok?a=1,2&q="x"`);
    assert.ok(records.some((record) => JSON.parse(record[22]!).note === NOTE));
    const failed = parseCsv((await h.api.get('/v1/logs/export?format=csv&status=failed&sort=attempt')).text).slice(1);
    assert.deepEqual(failed.map((record) => record[0]), (await walkCursor(h.api, '/v1/logs?status=failed&sort=attempt&limit=50')).map((row) => row.id));
    assert.ok(failed.every((record) => record[10] === 'failed' && record[13] === 'HTTP_STATUS' && /^receiver answered (500|404)$/.test(record[14]!)));
  });

  test('fields= keeps those fields (NDJSON) and their columns (CSV); id always', async () => {
    const picked = ndjsonOf((await h.api.get('/v1/logs/export?fields=status,error&status=failed')).text);
    assert.ok(picked.length > 0);
    for (const row of picked) assert.deepEqual(Object.keys(row), ['id', 'status', 'error']);
    const [header, ...records] = parseCsv((await h.api.get('/v1/logs/export?format=csv&fields=timings,status')).text);
    assert.deepEqual(header, ['id', 'status', 'dns_ms', 'connect_ms', 'tls_ms', 'ttfb_ms']);
    assert.equal(records.length, rows.length);
  });

  test('bad format, paging parameters and bad filters are 400s before any byte is streamed', async () => {
    const cases: Array<[string, string]> = [
      ['format=xml', 'format'],
      ['format=CSV', 'format'],
      ['format=csv&format=ndjson', 'format'],
      ['limit=10', 'limit'],
      ['cursor=abc', 'cursor'],
      ['page=1', 'page'],
      ['page_size=10', 'page_size'],
      ['count=true', 'count'],
      ['status=bogus', 'status'],
      ['http_status=6xx', 'http_status'],
      ['start_time=yesterday', 'start_time'],
      ['sort=endpoint_url', 'sort'],
      ['fields=payload', 'fields'],
      ['nope=1', 'nope'],
      ['format=csv&endpoint_id=ep_x', 'endpoint_id'],
    ];
    for (const [query, field] of cases) {
      const error = assertErrorShape(await h.api.get(`/v1/logs/export?${query}`), 400);
      assert.equal(error.code, 'INVALID_REQUEST', query);
      assert.equal(error.details?.[0]?.field, field, query);
    }
    assert.equal(assertErrorShape(await apiClient(h.url, null).get('/v1/logs/export'), 401).code, 'UNAUTHORIZED');
  });

  test('/v1/logs/export does not shadow /v1/logs/{id}, nor the reverse', async () => {
    const one = await h.api.get(`/v1/logs/${rows[0]!.id}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.id, rows[0]!.id);
    assert.equal(assertErrorShape(await h.api.get('/v1/logs/log_0123456789abcdef0123456789abcdef'), 404).code, 'LOG_NOT_FOUND');
    assert.equal((await h.api.get('/v1/logs/export?limit=1')).json.error.details[0].field, 'limit', 'the export route answered');
  });

  test("another workspace's export holds none of these entries", async () => {
    const other = await newWorkspace(h, 'export-other');
    const ndjson = await other.api.get('/v1/logs/export');
    assert.equal(ndjson.status, 200);
    assert.equal(ndjson.text, '');
    const csv = await other.api.get('/v1/logs/export?format=csv');
    assert.equal(csv.text, `${COLUMNS.join(',')}\r\n`);
  });

  test('/openapi.json documents the export', async () => {
    const doc = (await apiClient(h.url, null).get('/openapi.json')).json;
    const operation = doc.paths['/v1/logs/export']?.get;
    assert.ok(operation);
    assert.deepEqual(Object.keys(operation.responses['200'].content).sort(), ['application/x-ndjson', 'text/csv']);
    const query = operation.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
    assert.ok(query.includes('format') && query.includes('status') && query.includes('sort'));
    assert.ok(!query.includes('limit') && !query.includes('cursor'));
  });
});

describe('GET /v1/logs/export of thousands of entries to a slow reader', () => {
  const TOTAL = 3000;
  /** 30 tags of 250 characters: about 8 KB an entry, so one storage page (1,000 entries) outgrows the socket buffers. */
  const BIG_TAGS = Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`k${k}`, `${k},"${'y'.repeat(240)}"`]));
  let h: TestHerald;
  let receiver: Receiver;
  let pagesRead = 0;

  before(async () => {
    [h, receiver] = await Promise.all([startTestHerald(), startReceiver()]);
    await createEndpoint(h.api, { url: at(receiver.base, '/ok', 'bulk') });
    for (let batch = 0; batch < TOTAL / 1000; batch += 1) {
      const events = Array.from({ length: 1000 }, (_, i) => ({ type: 'bulk.item', payload: { batch, i }, tags: { ...BIG_TAGS, batch: String(batch) } }));
      const response = await h.api.post('/v1/events/batch', { events });
      assert.equal(response.status, 202, response.text);
    }
    const done = await eventually(async () => {
      const counted = await h.api.get('/v1/logs?limit=1&count=true');
      return counted.json.meta.total === TOTAL;
    }, 60_000, 100);
    assert.ok(done, `${TOTAL} log entries within 60 s`);
    // Counts the export's storage reads (pages of 1,000); the storage itself is the real one.
    const storage = h.herald.storage;
    const listAttempts = storage.listAttempts.bind(storage);
    storage.listAttempts = (filters, window) => {
      if (window.limit === 1000) pagesRead += 1;
      return listAttempts(filters, window);
    };
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('a client that stops reading stops Herald reading storage: one page in flight, then the rest once it reads again', async () => {
    pagesRead = 0;
    const { hostname, port } = new URL(h.url);
    const { received, pausedPages } = await new Promise<{ received: string; pausedPages: number }>((resolve, reject) => {
      const request = httpRequest({ hostname, port, path: '/v1/logs/export?sort=created_at', headers: { authorization: `Bearer ${h.key}` } }, (response) => {
        assert.equal(response.statusCode, 200);
        response.pause();
        void sleep(400).then(() => {
          const pausedPages = pagesRead;
          let received = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (received += chunk));
          response.on('end', () => resolve({ received, pausedPages }));
          response.on('error', reject);
          response.resume();
        });
      });
      request.on('error', reject);
      request.end();
    });
    assert.ok(pausedPages >= 1 && pausedPages <= 2, `read ${pausedPages} pages of 1,000 while the client was not reading`);
    assert.equal(pagesRead, TOTAL / 1000, 'then every page, once');
    assert.equal(ndjsonOf(received).length, TOTAL);
  });

  test('a client that goes away ends the export: no more storage reads, Herald keeps answering', async () => {
    pagesRead = 0;
    const controller = new AbortController();
    const response = await fetch(`${h.url}/v1/logs/export`, { headers: { authorization: `Bearer ${h.key}` }, signal: controller.signal });
    const reader = response.body!.getReader();
    assert.equal((await reader.read()).done, false);
    controller.abort();
    await sleep(300);
    const afterAbort = pagesRead;
    await sleep(300);
    assert.ok(afterAbort <= 2, `read ${afterAbort} pages for a client that left after one chunk`);
    assert.equal(pagesRead, afterAbort, 'nothing read after the client left');
    assert.equal((await h.api.get('/v1/logs?limit=1')).status, 200);
  });

  test('HEAD answers the headers without reading the log', async () => {
    pagesRead = 0;
    const response = await fetch(`${h.url}/v1/logs/export?format=csv`, { method: 'HEAD', headers: { authorization: `Bearer ${h.key}` } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(response.headers.get('content-disposition') ?? '', /filename="herald-logs-\d{8}T\d{6}Z\.csv"/);
    await sleep(100);
    assert.equal(pagesRead, 0);
  });

  for (const format of ['ndjson', 'csv'] as const) {
    test(`${format}: read slowly, every entry arrives once, in order`, async () => {
      const response = await fetch(`${h.url}/v1/logs/export?format=${format}&sort=created_at`, { headers: { authorization: `Bearer ${h.key}` } });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      let reads = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        reads += 1;
        if (reads % 20 === 0) await sleep(10);
      }
      text += decoder.decode();
      const entries = format === 'ndjson'
        ? ndjsonOf(text).map((row) => { assert.deepEqual(row.tags, { ...BIG_TAGS, batch: row.tags.batch }); return [row.id, row.created_at] as const; })
        : parseCsv(text).slice(1).map((record) => [record[0]!, record[1]!] as const);
      assert.equal(entries.length, TOTAL);
      assert.equal(new Set(entries.map(([id]) => id)).size, TOTAL, 'no entry twice');
      const keys = entries.map(([id, createdAt]) => `${createdAt} ${id}`);
      assert.deepEqual(keys, [...keys].sort(), 'in (created_at, id) order');
      assert.ok(reads > 10, 'the body came in many chunks');
    });
  }
});
