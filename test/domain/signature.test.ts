import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateSecret, isValidSecret, signatureHeader } from '../../src/domain/signature.ts';
import type { EndpointRecord } from '../../src/storage/records.ts';
import type { ClaimedDelivery } from '../../src/storage/storage.ts';
import { signedRequest } from '../../src/worker/signed-request.ts';

const body = JSON.stringify({ invoice: 'in_1', amount: 4200, note: 'ünïcødé ✓' });
const id = 'evt_0190a1b2c3d4e5f60718293a4b5c6d7e';

/** The three Standard Webhooks headers for `secrets`, signed now. */
function headersFor(secrets: string[], timestamp = Math.floor(Date.now() / 1000)) {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, id, timestamp, body) };
}

describe('signatureHeader', () => {
  test('verifies with the standardwebhooks library', () => {
    const secret = generateSecret();
    const verified = new Webhook(secret).verify(body, headersFor([secret]));
    assert.deepEqual(verified, JSON.parse(body));
  });

  test('is v1,<base64 of 32 bytes>', () => {
    const header = headersFor([generateSecret()])['webhook-signature'];
    assert.match(header, /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(header.slice(3), 'base64').length, 32);
  });

  test('another secret, body, id or timestamp does not verify', () => {
    const secret = generateSecret();
    const headers = headersFor([secret]);
    assert.throws(() => new Webhook(generateSecret()).verify(body, headers));
    assert.throws(() => new Webhook(secret).verify(body.replace('4200', '4201'), headers));
    assert.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': `${id.slice(0, -1)}f` }));
    assert.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) }));
  });

  test('two secrets give two space-separated signatures, each verifying alone', () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    const header = headersFor([current, previous])['webhook-signature'];
    const parts = header.split(' ');
    assert.equal(parts.length, 2);
    for (const part of parts) assert.match(part, /^v1,/);
    assert.notEqual(parts[0], parts[1]);
    for (const secret of [current, previous]) {
      assert.doesNotThrow(() => new Webhook(secret).verify(body, headersFor([current, previous])));
    }
    assert.throws(() => new Webhook(generateSecret()).verify(body, headersFor([current, previous])));
  });

  test('a secret given by the user (not generated) works too', () => {
    const secret = `whsec_${Buffer.from('a user-chosen secret of 32 bytes').toString('base64')}`;
    assert.equal(isValidSecret(secret), true);
    assert.doesNotThrow(() => new Webhook(secret).verify(body, headersFor([secret])));
  });
});

describe('generateSecret / isValidSecret', () => {
  test('whsec_ + base64 of 24 random bytes, different every time', () => {
    const secrets = new Set(Array.from({ length: 100 }, generateSecret));
    assert.equal(secrets.size, 100);
    for (const secret of secrets) {
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
      assert.equal(isValidSecret(secret), true);
    }
  });

  test('rejects a missing prefix, too few bytes, too many bytes and non-base64', () => {
    assert.equal(isValidSecret(Buffer.alloc(24).toString('base64')), false);
    assert.equal(isValidSecret(`whsec_${Buffer.alloc(23).toString('base64')}`), false);
    assert.equal(isValidSecret(`whsec_${Buffer.alloc(65).toString('base64')}`), false);
    assert.equal(isValidSecret('whsec_not base64 at all!!'), false);
  });
});

describe('signedRequest (what the worker sends)', () => {
  const now = Date.now();
  const endpoint: EndpointRecord = {
    id: 'ep_0190a1b2c3d4e5f60718293a4b5c6d7e', workspaceId: 'ws_0190a1b2c3d4e5f60718293a4b5c6d7e', url: 'https://hooks.example.com/in',
    description: null, eventTypes: null, method: 'POST', headers: { 'x-tenant': 'acme' },
    secret: generateSecret(), previousSecret: generateSecret(), previousSecretExpiresAt: now + 60_000,
    enabled: true, disabledReason: null, timeoutMs: 15_000, maxAttempts: 8, rateLimitPerS: null, metadata: {}, createdAt: now, updatedAt: now,
  };
  const claimed = { delivery: { eventId: id }, payload: body } as unknown as ClaimedDelivery;

  test('during a rotation grace period both the new and the old secret verify', () => {
    const request = signedRequest(claimed, endpoint, now);
    assert.equal(request.body, body, 'payload byte for byte');
    assert.equal(request.headers['webhook-id'], id);
    assert.equal(request.headers['webhook-timestamp'], String(Math.floor(now / 1000)));
    assert.equal(request.headers['x-tenant'], 'acme');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.match(request.headers['user-agent'] ?? '', /^Herald\/\d+\.\d+\.\d+/);
    assert.equal(request.headers['webhook-signature']!.split(' ').length, 2);
    for (const secret of [endpoint.secret, endpoint.previousSecret!]) {
      assert.doesNotThrow(() => new Webhook(secret).verify(request.body, request.headers));
    }
  });

  test('after the grace period only the new secret signs', () => {
    const request = signedRequest(claimed, endpoint, now + 60_000);
    assert.equal(request.headers['webhook-signature']!.split(' ').length, 1);
    assert.throws(() => new Webhook(endpoint.previousSecret!).verify(request.body, request.headers));
  });
});
