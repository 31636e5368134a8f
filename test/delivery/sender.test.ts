import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { checkEndpointUrl, type LookupFn } from '../../src/delivery/address-guard.ts';
import { parseRetryAfter } from '../../src/delivery/retry-after.ts';
import { createSender, type SendRequest, type SendResult, type Sender, type SenderOptions } from '../../src/delivery/sender.ts';
import {
  createSelfSignedCertificate,
  opensslAvailable,
  startReceiver,
  startTlsReceiver,
  type Receiver,
} from '../support/receiver.ts';

const BODY = '{"type":"call.ended","payload":{"id":42}}';
const HEADERS = {
  'content-type': 'application/json',
  'webhook-id': 'evt_0190b2c4d5e6f7a8b9c0d1e2f3a4b5c6',
  'webhook-timestamp': '1767225600',
  'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
};
const NO_OPENSSL = opensslAvailable() ? false : 'the openssl CLI is not installed, so no self-signed certificate can be made';

/** A receiver and a sender (private networks allowed unless overridden), closed after the test. */
async function setup(t: TestContext, options: Partial<SenderOptions> = {}): Promise<{ receiver: Receiver; sender: Sender }> {
  const receiver = await startReceiver();
  const sender = createSender({ allowPrivateNetworks: true, ...options });
  t.after(async () => {
    await receiver.close();
    await sender.close();
  });
  return { receiver, sender };
}

function post(sender: Sender, url: string, overrides: Partial<SendRequest> = {}): Promise<SendResult> {
  return sender.send({ url, method: 'POST', headers: HEADERS, body: BODY, timeoutMs: 2000, ...overrides });
}

/** Resolves every name it is asked about to the given addresses. */
function resolvesTo(...addresses: string[]): LookupFn {
  return async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
}

function assertSaneTimings(result: SendResult): void {
  const { dnsMs, connectMs, tlsMs, ttfbMs, totalMs } = result.timings;
  for (const value of [dnsMs, connectMs, tlsMs, ttfbMs, totalMs]) {
    if (value !== null) assert.ok(Number.isFinite(value) && value >= 0, `timing ${value} should be >= 0`);
  }
  if (ttfbMs !== null) assert.ok(ttfbMs <= totalMs, `ttfb ${ttfbMs} should be <= total ${totalMs}`);
  assert.ok(result.sentAt <= result.completedAt);
}

describe('sender: answers', () => {
  test('200: ok, with the body, headers and request exactly as given', async (t) => {
    const { receiver, sender } = await setup(t);
    const result = await post(sender, `${receiver.base}/ok?attempt=1`);

    assert.equal(result.ok, true);
    assert.equal(result.httpStatus, 200);
    assert.equal(result.error, null);
    assert.equal(result.responseBody, '{"received":true}');
    assert.equal(result.bodyTruncated, false);
    assert.equal(result.responseHeaders['content-type'], 'application/json');
    assert.equal(result.retryAfterMs, null);
    assertSaneTimings(result);

    const [seen] = await receiver.waitForRequests(1);
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.path, '/ok?attempt=1');
    assert.equal(seen?.body, BODY);
    for (const [name, value] of Object.entries(HEADERS)) assert.equal(seen?.headers[name], value);
    assert.equal(seen?.headers['user-agent'], undefined, 'no user-agent unless configured');
  });

  test('PUT and PATCH are sent with their method', async (t) => {
    const { receiver, sender } = await setup(t);
    await post(sender, `${receiver.base}/ok`, { method: 'PUT' });
    await post(sender, `${receiver.base}/ok`, { method: 'PATCH' });
    assert.deepEqual(receiver.requests.map((request) => request.method), ['PUT', 'PATCH']);
  });

  test('userAgent is added only when the request has none', async (t) => {
    const { receiver, sender } = await setup(t, { userAgent: 'Herald/0.1.0' });
    await post(sender, `${receiver.base}/ok`);
    await post(sender, `${receiver.base}/ok`, { headers: { ...HEADERS, 'User-Agent': 'Custom/1.0' } });
    assert.deepEqual(receiver.requests.map((request) => request.headers['user-agent']), ['Herald/0.1.0', 'Custom/1.0']);
  });

  test('500: HTTP_STATUS, with the body kept', async (t) => {
    const { receiver, sender } = await setup(t);
    const result = await post(sender, `${receiver.base}/fail`);
    assert.equal(result.ok, false);
    assert.equal(result.httpStatus, 500);
    assert.deepEqual(result.error, { code: 'HTTP_STATUS', message: 'receiver answered 500' });
    assert.equal(result.responseBody, '{"error":"failing on purpose"}');
  });

  test('302: not followed; the receiver sees only the one request', async (t) => {
    const { receiver, sender } = await setup(t);
    const result = await post(sender, `${receiver.base}/redirect`);
    assert.equal(result.ok, false);
    assert.equal(result.httpStatus, 302);
    assert.equal(result.error?.code, 'HTTP_STATUS');
    assert.match(result.error?.message ?? '', /redirects are not followed/);
    assert.equal(result.responseHeaders['location'], '/ok');
    await sleep(50);
    assert.deepEqual(receiver.requests.map((request) => request.path), ['/redirect']);
  });

  test('410 Gone is reported as its status', async (t) => {
    const { receiver, sender } = await setup(t);
    const result = await post(sender, `${receiver.base}/gone`);
    assert.equal(result.httpStatus, 410);
    assert.deepEqual(result.error, { code: 'HTTP_STATUS', message: 'receiver answered 410' });
  });

  test('429 with Retry-After in seconds gives retryAfterMs', async (t) => {
    const { receiver, sender } = await setup(t);
    const result = await post(sender, `${receiver.base}/rate-limited?retry_after=7`);
    assert.equal(result.httpStatus, 429);
    assert.equal(result.error?.code, 'HTTP_STATUS');
    assert.equal(result.retryAfterMs, 7000);
  });

  test('503 with Retry-After as an HTTP date gives the time until then', async (t) => {
    const { receiver, sender } = await setup(t);
    const at = new Date(Date.now() + 30_000).toUTCString();
    const result = await post(sender, `${receiver.base}/unavailable?retry_after=${encodeURIComponent(at)}`);
    assert.equal(result.httpStatus, 503);
    assert.ok(result.retryAfterMs !== null && result.retryAfterMs > 25_000 && result.retryAfterMs <= 30_000, `${result.retryAfterMs}`);
  });

  test('any status is reported as is; only 2xx is ok', async (t) => {
    const { receiver, sender } = await setup(t);
    const noContent = await post(sender, `${receiver.base}/status/204`);
    assert.equal(noContent.ok, true);
    assert.equal(noContent.responseBody, '');
    const teapot = await post(sender, `${receiver.base}/status/418`);
    assert.equal(teapot.ok, false);
    assert.equal(teapot.httpStatus, 418);
    const flaky = [];
    for (let attempt = 0; attempt < 3; attempt += 1) flaky.push((await post(sender, `${receiver.base}/flaky?fail=2`)).httpStatus);
    assert.deepEqual(flaky, [503, 503, 200]);
  });

  test('response header names are lower-case and repeated headers are joined', async (t) => {
    const server = createServer((_request, response) => {
      response.setHeader('Set-Cookie', ['a=1', 'b=2']);
      response.setHeader('X-Trace-Id', 'abc');
      response.end('fine');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sender = createSender({ allowPrivateNetworks: true });
    t.after(async () => {
      server.closeAllConnections();
      server.close();
      await sender.close();
    });
    const { port } = server.address() as AddressInfo;
    const result = await post(sender, `http://127.0.0.1:${port}/`);
    assert.equal(result.responseHeaders['set-cookie'], 'a=1, b=2');
    assert.equal(result.responseHeaders['x-trace-id'], 'abc');
  });
});

describe('sender: timeouts and large bodies', () => {
  test('a receiver that never answers is cut at timeoutMs: TIMEOUT', async (t) => {
    const { receiver, sender } = await setup(t);
    const started = performance.now();
    const result = await post(sender, `${receiver.base}/hang`, { timeoutMs: 300 });
    const elapsed = performance.now() - started;

    assert.equal(result.ok, false);
    assert.equal(result.httpStatus, null);
    assert.equal(result.error?.code, 'TIMEOUT');
    assert.match(result.error?.message ?? '', /^no response from 127\.0\.0\.1:\d+ within 300 ms$/);
    assert.ok(elapsed >= 290 && elapsed < 1000, `took ${elapsed} ms`);
    assert.equal(result.timings.ttfbMs, null);
    assertSaneTimings(result);
  });

  test('the timeout is end to end: a body dripping 1 byte/s is cut at timeoutMs', async (t) => {
    const { receiver, sender } = await setup(t);
    const started = performance.now();
    const result = await post(sender, `${receiver.base}/drip`, { timeoutMs: 300 });
    const elapsed = performance.now() - started;

    assert.equal(result.httpStatus, 200, 'the head had arrived');
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'TIMEOUT');
    assert.match(result.error?.message ?? '', /not complete within 300 ms/);
    assert.ok(elapsed >= 290 && elapsed < 1000, `took ${elapsed} ms`);
    assertSaneTimings(result);
  });

  test('the deadline also covers waiting for a free connection', async (t) => {
    const { receiver, sender } = await setup(t, { connectionsPerOrigin: 1 });
    const blocker = post(sender, `${receiver.base}/hang`, { timeoutMs: 900 });
    await receiver.waitForRequests(1);
    const started = performance.now();
    const queued = await post(sender, `${receiver.base}/ok`, { timeoutMs: 200 });
    const elapsed = performance.now() - started;
    assert.equal(queued.error?.code, 'TIMEOUT');
    assert.ok(elapsed < 800, `took ${elapsed} ms`);
    assert.equal((await blocker).error?.code, 'TIMEOUT');
  });

  test('a 5 MiB body: exactly 65,536 bytes kept, truncated, and quickly', async (t) => {
    const { receiver, sender } = await setup(t);
    const started = performance.now();
    const result = await post(sender, `${receiver.base}/huge`);
    const elapsed = performance.now() - started;

    assert.equal(result.ok, true);
    assert.equal(result.httpStatus, 200);
    assert.equal(Buffer.byteLength(result.responseBody), 65_536);
    assert.equal(result.responseBody, 'x'.repeat(65_536));
    assert.equal(result.bodyTruncated, true);
    assert.equal(result.error, null);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);

    // The rest was not read: the connection was dropped, so the next request needs a new one.
    await post(sender, `${receiver.base}/ok`);
    assert.equal(receiver.connections, 2);
  });

  test('a body that never ends is capped at maxResponseBytes and the connection dropped', async (t) => {
    const { receiver, sender } = await setup(t, { maxResponseBytes: 1000 });
    const result = await post(sender, `${receiver.base}/endless`);
    assert.equal(result.ok, true);
    assert.equal(result.responseBody.length, 1000);
    assert.equal(result.bodyTruncated, true);

    // The capped connection is gone, so the next request opens a second one.
    const next = await post(sender, `${receiver.base}/ok`);
    assert.equal(next.ok, true);
    assert.equal(receiver.connections, 2);
  });

  test('a body of exactly maxResponseBytes is not truncated', async (t) => {
    const { receiver, sender } = await setup(t, { maxResponseBytes: 17 });
    const result = await post(sender, `${receiver.base}/ok`);
    assert.equal(result.responseBody, '{"received":true}');
    assert.equal(result.bodyTruncated, false);
  });
});

describe('sender: connection failures', () => {
  test('a connection dropped without an answer: CONNECTION_RESET', async (t) => {
    const { receiver, sender } = await setup(t);
    const result = await post(sender, `${receiver.base}/reset`);
    assert.equal(result.httpStatus, null);
    assert.equal(result.error?.code, 'CONNECTION_RESET');
    assert.match(result.error?.message ?? '', /^connection to 127\.0\.0\.1:\d+ was closed before the response was complete$/);
  });

  test('a connection dropped mid-body: CONNECTION_RESET, with the status and partial body', async (t) => {
    const { receiver, sender } = await setup(t);
    const result = await post(sender, `${receiver.base}/reset-mid-body`);
    assert.equal(result.ok, false);
    assert.equal(result.httpStatus, 200);
    assert.equal(result.error?.code, 'CONNECTION_RESET');
    assert.equal(result.responseBody, 'x'.repeat(100));
  });

  test('a closed port: CONNECTION_REFUSED', async () => {
    const closed = await startReceiver();
    await closed.close();
    const sender = createSender({ allowPrivateNetworks: true });
    const result = await post(sender, `${closed.base}/ok`);
    await sender.close();
    assert.deepEqual(result.error, { code: 'CONNECTION_REFUSED', message: `connection refused by 127.0.0.1:${closed.port}` });
    assert.equal(result.httpStatus, null);
    assertSaneTimings(result);
  });

  test('a name that does not resolve: DNS_FAILURE', async () => {
    const nxdomain: LookupFn = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
    const sender = createSender({ allowPrivateNetworks: false, lookup: nxdomain });
    const result = await post(sender, 'https://hooks.nowhere.example/webhook');
    const empty = createSender({ allowPrivateNetworks: false, lookup: resolvesTo() });
    const noAddresses = await post(empty, 'https://hooks.nowhere.example/webhook');
    await Promise.all([sender.close(), empty.close()]);
    assert.deepEqual(result.error, { code: 'DNS_FAILURE', message: 'could not resolve hooks.nowhere.example (ENOTFOUND)' });
    assert.equal(noAddresses.error?.code, 'DNS_FAILURE');
  });

  test('when the first address refuses, the next one is tried', async (t) => {
    const { receiver, sender } = await setup(t, { lookup: resolvesTo('127.0.0.2', '127.0.0.1') });
    const result = await post(sender, `http://receiver.test:${receiver.port}/ok`);
    assert.equal(result.ok, true, JSON.stringify(result.error));
  });

  test('send never throws: a bad URL or a closed sender become results', async () => {
    const sender = createSender({ allowPrivateNetworks: true });
    const bad = await post(sender, 'not a url');
    const ftp = await post(sender, 'ftp://example.com/file');
    await sender.close();
    const afterClose = await post(sender, 'http://127.0.0.1:9/ok');
    for (const result of [bad, ftp, afterClose]) {
      assert.equal(result.ok, false);
      assert.equal(result.error?.code, 'INTERNAL');
      assert.doesNotMatch(result.error?.message ?? '', /\n\s+at /, 'no stack trace');
    }
  });
});

describe('sender: SSRF guard', () => {
  test('refuses 127.0.0.1 without opening a socket: BLOCKED_ADDRESS', async (t) => {
    const { receiver, sender } = await setup(t, { allowPrivateNetworks: false });
    const result = await post(sender, `${receiver.base}/ok`);
    assert.equal(result.error?.code, 'BLOCKED_ADDRESS');
    assert.match(result.error?.message ?? '', /127\.0\.0\.1.*loopback/);
    await sleep(50);
    assert.equal(receiver.connections, 0);
    assert.equal(receiver.requests.length, 0);
  });

  test('refuses other spellings of loopback and the unspecified address', async (t) => {
    const { receiver, sender } = await setup(t, { allowPrivateNetworks: false });
    for (const host of ['[::1]', '[::ffff:127.0.0.1]', '0.0.0.0', '2130706433', '127.1']) {
      const result = await post(sender, `http://${host}:${receiver.port}/ok`);
      assert.equal(result.error?.code, 'BLOCKED_ADDRESS', host);
    }
    await sleep(50);
    assert.equal(receiver.connections, 0);
  });

  test('refuses a hostname that resolves to 127.0.0.1 without opening a socket', async (t) => {
    const { receiver, sender } = await setup(t, { allowPrivateNetworks: false, lookup: resolvesTo('127.0.0.1') });
    const result = await post(sender, `http://innocent.example.com:${receiver.port}/ok`);
    assert.deepEqual(result.error, {
      code: 'BLOCKED_ADDRESS',
      message: 'refused to connect to 127.0.0.1 (resolved from innocent.example.com): it is a loopback address and private networks are not allowed',
    });
    await sleep(50);
    assert.equal(receiver.connections, 0);
  });

  test('refuses a hostname if any of its addresses is blocked', async (t) => {
    const { receiver, sender } = await setup(t, { allowPrivateNetworks: false, lookup: resolvesTo('93.184.216.34', '10.0.0.7') });
    const result = await post(sender, `http://mixed.example.com:${receiver.port}/ok`);
    assert.equal(result.error?.code, 'BLOCKED_ADDRESS');
    assert.match(result.error?.message ?? '', /10\.0\.0\.7/);
  });

  test('DNS rebinding: public when the endpoint was saved, loopback at delivery → blocked', async (t) => {
    let lookups = 0;
    const rebinding: LookupFn = async () => [{ address: lookups++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    const { receiver, sender } = await setup(t, { allowPrivateNetworks: false, lookup: rebinding });
    const url = `http://rebind.example.com:${receiver.port}/ok`;

    assert.deepEqual(await checkEndpointUrl(url, { allowHttp: true, allowPrivateNetworks: false, lookup: rebinding }), { ok: true });
    const result = await post(sender, url);
    assert.equal(result.error?.code, 'BLOCKED_ADDRESS');
    await sleep(50);
    assert.equal(receiver.connections, 0);
  });
});

describe('sender: connections and timings', () => {
  test('keep-alive: two sequential sends share one connection; the second pays no DNS or connect', async (t) => {
    const { receiver, sender } = await setup(t, { lookup: resolvesTo('127.0.0.1') });
    const first = await post(sender, `http://receiver.test:${receiver.port}/ok`);
    const second = await post(sender, `http://receiver.test:${receiver.port}/ok`);

    assert.equal(first.ok && second.ok, true);
    assert.equal(receiver.connections, 1);
    assert.equal(typeof first.timings.dnsMs, 'number');
    assert.equal(typeof first.timings.connectMs, 'number');
    assert.equal(first.timings.tlsMs, null, 'no TLS over http');
    assert.deepEqual([second.timings.dnsMs, second.timings.connectMs, second.timings.tlsMs], [null, null, null]);
    assertSaneTimings(first);
    assertSaneTimings(second);
  });

  test('concurrent sends stay within connectionsPerOrigin', async (t) => {
    const { receiver, sender } = await setup(t, { connectionsPerOrigin: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, () => post(sender, `${receiver.base}/slow?ms=50`)));
    assert.ok(results.every((result) => result.ok));
    assert.ok(receiver.connections <= 3, `${receiver.connections} connections`);
    const fresh = results.filter((result) => result.timings.connectMs !== null);
    assert.equal(fresh.length, receiver.connections, 'each connection is paid for by exactly one request');
  });

  test('a timed-out request does not leave an extra connection behind', async (t) => {
    const { receiver, sender } = await setup(t);
    await post(sender, `${receiver.base}/hang`, { timeoutMs: 100 });
    await post(sender, `${receiver.base}/ok`);
    await post(sender, `${receiver.base}/ok`);
    await sleep(50);
    assert.equal(receiver.connections, 2);
  });
});

describe('sender: TLS', () => {
  test('a self-signed certificate: TLS_ERROR, nothing sent', { skip: NO_OPENSSL }, async (t) => {
    const receiver = await startTlsReceiver();
    const sender = createSender({ allowPrivateNetworks: true });
    t.after(async () => {
      await receiver.close();
      await sender.close();
    });
    const result = await post(sender, `${receiver.base}/ok`);
    assert.equal(result.httpStatus, null);
    assert.equal(result.error?.code, 'TLS_ERROR');
    assert.match(result.error?.message ?? '', /^TLS handshake with 127\.0\.0\.1 failed: self-signed certificate$/);
    assert.equal(receiver.requests.length, 0);
  });

  test('a trusted certificate: ok, TLS time measured, then the connection reused', { skip: NO_OPENSSL }, async (t) => {
    const certificate = createSelfSignedCertificate();
    const receiver = await startTlsReceiver(certificate);
    const dir = mkdtempSync(join(tmpdir(), 'herald-ca-'));
    t.after(async () => {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    });
    writeFileSync(join(dir, 'ca.pem'), certificate.cert);

    // Trust is process-wide (NODE_EXTRA_CA_CERTS is read at start-up), so send from a child.
    const senderModule = new URL('../../src/delivery/sender.ts', import.meta.url).href;
    const script = `
      import { createSender } from ${JSON.stringify(senderModule)};
      const sender = createSender({ allowPrivateNetworks: true, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
      const request = { url: ${JSON.stringify(`https://localhost:${receiver.port}/ok`)}, method: 'POST', headers: {}, body: '{}', timeoutMs: 5000 };
      const results = [await sender.send(request), await sender.send(request)];
      await sender.close();
      process.stdout.write(JSON.stringify(results));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
    });
    const [first, second] = JSON.parse(stdout) as SendResult[];

    assert.equal(first?.ok, true, JSON.stringify(first?.error));
    assert.ok(first.timings.tlsMs !== null && first.timings.tlsMs > 0);
    assert.equal(typeof first.timings.dnsMs, 'number');
    assertSaneTimings(first);
    assert.equal(second?.ok, true);
    assert.deepEqual([second.timings.dnsMs, second.timings.connectMs, second.timings.tlsMs], [null, null, null]);
    assert.equal(receiver.connections, 1);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-15T09:30:00.000Z');

  test('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });

  test('reads an HTTP date, and a past date means now', () => {
    assert.equal(parseRetryAfter('Thu, 15 Jan 2026 09:31:00 GMT', now), 60_000);
    assert.equal(parseRetryAfter('Thursday, 15-Jan-26 09:31:00 GMT', now), 60_000);
    assert.equal(parseRetryAfter('Thu, 15 Jan 2026 09:00:00 GMT', now), 0);
  });

  test('ignores anything else', () => {
    for (const value of [undefined, '', '-5', '1.5', 'soon', '10s']) assert.equal(parseRetryAfter(value, now), null, String(value));
  });
});
