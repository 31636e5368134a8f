import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CursorCodec, canonicalJson } from '../../src/services/cursor-codec.ts';
import { signingSecrets } from '../../src/services/endpoint-service.ts';
import type { EndpointRecord } from '../../src/storage/records.ts';

const position = { values: [1_767_000_000_000, 'x'], id: 'log_0123456789abcdef0123456789abcdef' };

/** The `code` of the error `run` throws. */
function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('CursorCodec', () => {
  const codec = new CursorCodec('a-secret');
  const query = CursorCodec.fingerprint('logs', { filters: { workspaceId: 'ws_1', status: 'failed' }, sort: [{ field: 'created_at', descending: true }] });

  test('decodes what it encoded for the same query', () => {
    assert.deepEqual(codec.decode(query, codec.encode(query, position)), position);
  });

  test('the fingerprint ignores key order but not values or scope', () => {
    const same = CursorCodec.fingerprint('logs', { sort: [{ descending: true, field: 'created_at' }], filters: { status: 'failed', workspaceId: 'ws_1' } });
    assert.equal(same, query);
    assert.notEqual(CursorCodec.fingerprint('logs', { filters: { workspaceId: 'ws_2', status: 'failed' }, sort: [{ field: 'created_at', descending: true }] }), query);
    assert.notEqual(CursorCodec.fingerprint('deliveries', { filters: { workspaceId: 'ws_1', status: 'failed' }, sort: [{ field: 'created_at', descending: true }] }), query);
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
  });

  test('refuses a cursor of another query with INVALID_REQUEST', () => {
    const other = CursorCodec.fingerprint('logs', { filters: { workspaceId: 'ws_1' }, sort: [] });
    assert.equal(codeOf(() => codec.decode(other, codec.encode(query, position))), 'INVALID_REQUEST');
  });

  test('refuses forged, tampered and garbled cursors with INVALID_REQUEST', () => {
    const cursor = codec.encode(query, position);
    const [body, signature] = cursor.split('.') as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ q: query, v: [0, 'x'], id: position.id })).toString('base64url');
    for (const bad of [
      `${forgedBody}.${signature}`,
      `${body}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
      new CursorCodec('another-secret').encode(query, position),
      `${cursor}.extra`, body, '', '.', 'garbage',
    ]) {
      assert.equal(codeOf(() => codec.decode(query, bad)), 'INVALID_REQUEST', bad);
    }
  });
});

describe('signingSecrets', () => {
  const endpoint = { secret: 'whsec_new', previousSecret: 'whsec_old', previousSecretExpiresAt: 10_000 } as EndpointRecord;

  test('signs with both secrets until the grace period ends, then with the new one only', () => {
    assert.deepEqual(signingSecrets(endpoint, 9_999), ['whsec_new', 'whsec_old']);
    assert.deepEqual(signingSecrets(endpoint, 10_000), ['whsec_new']);
    assert.deepEqual(signingSecrets({ ...endpoint, previousSecret: null, previousSecretExpiresAt: null }, 0), ['whsec_new']);
  });
});
