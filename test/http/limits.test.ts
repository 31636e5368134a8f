import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MAX_JSON_DEPTH, MAX_URL_LENGTH, jsonTooDeep } from '../../src/http/request-limits.ts';
import { assertErrorShape, startTestHerald, type TestHerald } from '../support/herald.ts';

// Request size limits, each answered in the contract's error shape: JSON depth (400), body size
// (413), request target length (414), request line + headers (431), unparseable HTTP (400).

/** Sends raw bytes and returns the status, headers and parsed body of the answer. */
function rawRequest(url: string, bytes: string): Promise<{ status: number; headers: Record<string, string>; json: any; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', text = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, json, text });
    });
    socket.end(bytes);
  });
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('jsonTooDeep', () => {
  test('counts arrays and objects, not brackets inside strings', () => {
    assert.equal(jsonTooDeep(nested(64)), false);
    assert.equal(jsonTooDeep(nested(65)), true);
    assert.equal(jsonTooDeep(`{"a":${nested(63)}}`), false);
    assert.equal(jsonTooDeep(`{"a":${nested(64)}}`), true);
    assert.equal(jsonTooDeep(JSON.stringify({ s: '['.repeat(1000), t: 'x\\"[[[[' })), false);
    assert.equal(jsonTooDeep(`{"s":"\\\\", "a":${nested(70)}}`), true, 'an escaped backslash ends before the quote');
    assert.equal(jsonTooDeep(`[${'{"a":'.repeat(70)}1${'}'.repeat(70)}]`), true);
  });

  test('answers as a character-by-character scan does, on random text of brackets, quotes and backslashes', () => {
    // The reference: every character in turn; inside a string a backslash takes the next character with it.
    const reference = (text: string, maxDepth: number) => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i += 1) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i += 1;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '[' || c === '{') {
          depth += 1;
          if (depth > maxDepth) return true;
        } else if (c === ']' || c === '}') depth -= 1;
      }
      return false;
    };
    const alphabet = ['[', '{', ']', '}', '"', '\\', 'x', ':'];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let deep = 0;
    for (let round = 0; round < 5_000; round += 1) {
      const text = Array.from({ length: 1 + Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const expected = reference(text, 3);
      if (expected) deep += 1;
      assert.equal(jsonTooDeep(text, 3), expected, JSON.stringify(text));
    }
    assert.ok(deep > 100 && deep < 4_900, `both answers occur (${deep} of 5,000 too deep)`);
  });

  test('scans 1 MiB in well under 50 ms', () => {
    const text = JSON.stringify({ data: Array.from({ length: 20_000 }, (_, i) => ({ i, s: `value ${i} [{"x"}]` })) });
    const started = performance.now();
    assert.equal(jsonTooDeep(text), false);
    const ms = performance.now() - started;
    assert.ok(ms < 50, `${ms.toFixed(1)} ms for ${text.length} characters`);
  });
});

describe('request limits, in the contract error shape', () => {
  let h: TestHerald;
  before(async () => {
    h = await startTestHerald({ HERALD_MAX_PAYLOAD_BYTES: '65536' });
  });
  after(async () => {
    await h?.close();
  });

  test(`a body nested deeper than ${MAX_JSON_DEPTH} is a 400 before it is parsed; up to the limit it is accepted`, async () => {
    const deep = await h.api.raw('POST', '/v1/events', `{"type":"deep","payload":${nested(MAX_JSON_DEPTH)}}`);
    const error = assertErrorShape(deep, 400);
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.match(error.message, /deeper than 64/);
    const fine = await h.api.raw('POST', '/v1/events', `{"type":"deep","payload":${nested(MAX_JSON_DEPTH - 1)}}`);
    assert.equal(fine.status, 202, fine.text);
    const batch = await h.api.raw('POST', '/v1/events/batch', `{"events":[{"type":"deep","payload":${nested(MAX_JSON_DEPTH)}}]}`);
    assert.equal(assertErrorShape(batch, 400).code, 'INVALID_REQUEST');
    const events = await h.api.get('/v1/events?type=deep');
    assert.equal(events.json.data.length, 1, 'only the accepted one was written');
  });

  test('100,000 nested arrays (within the body limits) are refused fast, on every JSON route', async () => {
    const body = nested(50_000);
    for (const path of ['/v1/endpoints', '/v1/events', '/v1/workspaces']) {
      const started = performance.now();
      const response = await h.api.raw('POST', path, body);
      const ms = performance.now() - started;
      assert.ok([400, 403].includes(response.status), `${path}: ${response.status}`);
      assertErrorShape(response, response.status);
      assert.ok(ms < 1000, `${path} answered in ${ms.toFixed(0)} ms`);
    }
  });

  test('a body over the route limit is a 413 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ url: 'https://example.com/hook', description: 'x'.repeat(1024 * 1024 + 10) });
    assert.equal(assertErrorShape(await h.api.raw('POST', '/v1/endpoints', big), 413).code, 'PAYLOAD_TOO_LARGE');
    const payload = JSON.stringify({ type: 'big', payload: { s: 'x'.repeat(70_000) } });
    assert.equal(assertErrorShape(await h.api.raw('POST', '/v1/events', payload), 413).code, 'PAYLOAD_TOO_LARGE', 'over HERALD_MAX_PAYLOAD_BYTES');
  });

  test(`a request target over ${MAX_URL_LENGTH} characters is a 414; under it, the usual checks apply`, async () => {
    const long = await h.api.get(`/v1/logs?search=${'a'.repeat(MAX_URL_LENGTH)}`);
    const error = assertErrorShape(long, 414);
    assert.equal(error.code, 'INVALID_REQUEST');
    const underLimit = await h.api.get(`/v1/logs?search=${'a'.repeat(MAX_URL_LENGTH - 100)}`);
    assert.equal(assertErrorShape(underLimit, 400).code, 'INVALID_REQUEST', 'search is limited to 256 characters');
    const noAuth = await fetch(`${h.url}/v1/logs?x=${'b'.repeat(MAX_URL_LENGTH)}`);
    assert.equal(noAuth.status, 414, 'refused before the key is even checked');
  });

  test('a path id longer than 200 characters is a 414 (Fastify maxParamLength), in the contract shape', async () => {
    const response = await h.api.get(`/v1/endpoints/ep_${'0'.repeat(300)}`);
    assert.equal(assertErrorShape(response, 414).code, 'INVALID_REQUEST');
    const shorter = await h.api.get(`/v1/endpoints/ep_${'0'.repeat(150)}`);
    assert.equal(assertErrorShape(shorter, 404).code, 'ENDPOINT_NOT_FOUND', 'a wrong id within the length is simply not found');
    const badEncoding = await h.api.get('/v1/endpoints/%E0%A4%A');
    assert.equal(assertErrorShape(badEncoding, 400).code, 'INVALID_REQUEST', 'a path that is not valid percent-encoding');
  });

  test('request line and headers over 16 KiB are a 431 in the contract shape, without echoing them', async () => {
    const secretish = `Bearer ${h.key}`;
    const answer = await rawRequest(h.url, `GET /v1/endpoints HTTP/1.1\r\nHost: x\r\nAuthorization: ${secretish}\r\nX-Big: ${'y'.repeat(17 * 1024)}\r\n\r\n`);
    assert.equal(answer.status, 431);
    assert.equal(answer.json?.error?.code, 'INVALID_REQUEST', answer.text);
    assert.match(answer.json.error.message, /exceed 16384 bytes/);
    assert.equal(answer.json.meta.request_id, answer.headers['x-request-id']);
    assert.ok(!answer.text.includes(h.key));
    const many = Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${'z'.repeat(20)}`).join('\r\n');
    assert.equal((await rawRequest(h.url, `GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`)).status, 431, 'many small headers add up');
  });

  test('bytes that are not HTTP are a 400 in the contract shape', async () => {
    const answer = await rawRequest(h.url, 'HELLO THERE\r\n\r\n');
    assert.equal(answer.status, 400);
    assert.equal(answer.json?.error?.code, 'INVALID_REQUEST', answer.text);
    assert.match(answer.json.meta.request_id, /^req_/);
  });
});
