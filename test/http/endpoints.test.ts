import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { LookupFn } from '../../src/delivery/address-guard.ts';
import { assertErrorShape, eventually, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver, type RecordedRequest } from '../support/receiver.ts';
import { at, createEndpoint, newWorkspace, publish } from './fixtures.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** True when `secret` verifies the request with the Standard Webhooks reference library. */
function verifies(secret: string, request: RecordedRequest): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

/** Asserts a 422 whose details name `field`. */
async function assertRefused(api: ApiClient, body: unknown, field: string, method: 'post' | 'patch' = 'post', path = '/v1/endpoints') {
  const response = method === 'post' ? await api.post(path, body) : await api.patch(path, body);
  const error = assertErrorShape(response, 422);
  assert.equal(error.code, 'VALIDATION_FAILED');
  const fields = (error.details ?? []).map((d) => d.field);
  assert.ok(fields.includes(field), `expected details to name ${field}, got ${JSON.stringify(error.details)} for ${JSON.stringify(body)}`);
}

describe('endpoints', () => {
  let h: TestHerald;
  let receiver: Receiver;
  before(async () => {
    [h, receiver] = await Promise.all([startTestHerald(), startReceiver()]);
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  const forEndpoint = (marker: string) => receiver.requests.filter((r) => r.path.endsWith(`ep=${marker}`));
  /** The requests of one endpoint, once at least `n` arrived. */
  const received = async (marker: string, n: number) => {
    const requests = await eventually(() => (forEndpoint(marker).length >= n ? forEndpoint(marker) : null), 5000);
    assert.ok(requests, `endpoint ${marker} got fewer than ${n} requests`);
    return requests;
  };

  test('create fills in the defaults and generates a whsec_ secret', async () => {
    const endpoint = await createEndpoint(h.api, { url: `${receiver.base}/ok` });
    assert.match(endpoint.id, /^ep_[0-9a-f]{32}$/);
    assert.equal(endpoint.url, `${receiver.base}/ok`);
    assert.equal(endpoint.method, 'POST');
    assert.equal(endpoint.timeout_ms, 15000);
    assert.equal(endpoint.max_attempts, 4, 'the test schedule 50ms,50ms,50ms allows 3 retries after the first attempt');
    assert.equal(endpoint.enabled, true);
    assert.equal(endpoint.disabled_reason, null);
    assert.equal(endpoint.event_types, null);
    assert.equal(endpoint.description, null);
    assert.deepEqual(endpoint.headers, {});
    assert.deepEqual(endpoint.metadata, {});
    assert.match(endpoint.created_at, ISO);
    assert.match(endpoint.updated_at, ISO);
    assert.equal(endpoint.secret, undefined, 'the secret is only shown by GET /secret');
    const secret = await h.api.get(`/v1/endpoints/${endpoint.id}/secret`);
    assert.equal(secret.status, 200);
    assert.match(secret.json.secret, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
    assert.ok(Buffer.from(secret.json.secret.slice(6), 'base64').length >= 24);
  });

  test('GET, PATCH and DELETE; a deleted endpoint answers 404 ENDPOINT_NOT_FOUND', async () => {
    const created = await createEndpoint(h.api, { url: `${receiver.base}/ok`, description: 'first', metadata: { team: 'a' } });
    const got = await h.api.get(`/v1/endpoints/${created.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, created);

    const patched = await h.api.patch(`/v1/endpoints/${created.id}`, { description: 'second', event_types: ['call.*'], method: 'PUT', headers: { 'x-team': 'a' } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.description, 'second');
    assert.deepEqual(patched.json.event_types, ['call.*']);
    assert.equal(patched.json.method, 'PUT');
    assert.deepEqual(patched.json.headers, { 'x-team': 'a' });
    assert.equal(patched.json.url, created.url, 'fields not sent are kept');
    assert.deepEqual(patched.json.metadata, { team: 'a' });
    assert.ok(patched.json.updated_at >= created.updated_at);
    assert.deepEqual((await h.api.get(`/v1/endpoints/${created.id}`)).json, patched.json);

    const deleted = await h.api.delete(`/v1/endpoints/${created.id}`);
    assert.equal(deleted.status, 204);
    const listed = await h.api.get('/v1/endpoints?limit=500');
    assert.ok(!listed.json.data.some((e: { id: string }) => e.id === created.id), 'a deleted endpoint is not listed');
    assert.equal(assertErrorShape(await h.api.get(`/v1/endpoints/${created.id}`), 404).code, 'ENDPOINT_NOT_FOUND');
    assert.equal(assertErrorShape(await h.api.delete(`/v1/endpoints/${created.id}`), 404).code, 'ENDPOINT_NOT_FOUND');
    assert.equal(assertErrorShape(await h.api.patch(`/v1/endpoints/${created.id}`, { description: 'x' }), 404).code, 'ENDPOINT_NOT_FOUND');
  });

  test('list: cursor paging walks every endpoint once, newest first; fields= trims the rows', async () => {
    const ws = await newWorkspace(h, 'listing');
    const created = [];
    for (let i = 0; i < 5; i += 1) created.push(await createEndpoint(ws.api, { url: `${receiver.base}/ok?n=${i}` }));
    const newestFirst = [...created].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));

    const seen: string[] = [];
    const hasMore: boolean[] = [];
    let path = '/v1/endpoints?limit=2';
    for (let page = 0; page < 10; page += 1) {
      const response = await ws.api.get(path);
      assert.equal(response.status, 200, response.text);
      assert.ok(response.json.data.length <= 2);
      seen.push(...response.json.data.map((e: { id: string }) => e.id));
      hasMore.push(response.json.meta.has_more);
      if (!response.json.meta.has_more) {
        assert.equal(response.json.meta.next_cursor, null);
        break;
      }
      path = `/v1/endpoints?limit=2&cursor=${encodeURIComponent(response.json.meta.next_cursor)}`;
    }
    assert.deepEqual(seen, newestFirst.map((e) => e.id));
    assert.deepEqual(hasMore, [true, true, false]);

    const oldestFirst = await ws.api.get('/v1/endpoints?sort=created_at&count=true');
    assert.deepEqual(oldestFirst.json.data.map((e: { id: string }) => e.id), [...newestFirst].reverse().map((e) => e.id));
    assert.equal(oldestFirst.json.meta.total, 5);

    const trimmed = await ws.api.get('/v1/endpoints?fields=url,enabled');
    assert.equal(trimmed.status, 200);
    for (const row of trimmed.json.data) assert.deepEqual(Object.keys(row).sort(), ['enabled', 'id', 'url']);
    assert.equal(assertErrorShape(await ws.api.get('/v1/endpoints?fields=url,bogus'), 400).code, 'INVALID_REQUEST');
  });

  test('invalid fields answer 422 VALIDATION_FAILED naming the field', async () => {
    const url = `${receiver.base}/ok`;
    await assertRefused(h.api, {}, 'url');
    await assertRefused(h.api, { url: 'not a url' }, 'url');
    await assertRefused(h.api, { url: 'ftp://example.com/hooks' }, 'url');
    await assertRefused(h.api, { url: 'https://user:pass@example.com/' }, 'url');
    await assertRefused(h.api, { url, colour: 'blue' }, 'colour');
    await assertRefused(h.api, { url, method: 'GET' }, 'method');
    await assertRefused(h.api, { url, timeout_ms: 5 }, 'timeout_ms');
    await assertRefused(h.api, { url, max_attempts: 0 }, 'max_attempts');
    await assertRefused(h.api, { url, secret: 'hunter2' }, 'secret');
    await assertRefused(h.api, { url, secret: 'whsec_c2hvcnQ=' }, 'secret');
    await assertRefused(h.api, { url, event_types: [] }, 'event_types');
    await assertRefused(h.api, { url, headers: { 'x-ok': 'fine\r\nx-evil: 1' } }, 'headers.x-ok');
    await assertRefused(h.api, { url, headers: { 'content-length': '5' } }, 'headers.content-length');
    await assertRefused(h.api, { url, headers: { 'Webhook-Id': 'forged' } }, 'headers.Webhook-Id');
    const endpoint = await createEndpoint(h.api, { url });
    await assertRefused(h.api, { url: 'ftp://example.com/' }, 'url', 'patch', `/v1/endpoints/${endpoint.id}`);
    await assertRefused(h.api, { headers: { 'webhook-signature': 'v1,x' } }, 'headers.webhook-signature', 'patch', `/v1/endpoints/${endpoint.id}`);
  });

  describe('with http and private networks not allowed', () => {
    let strict: TestHerald;
    const publicDns: LookupFn = async (hostname) => {
      if (hostname === 'hooks.example.com') return [{ address: '93.184.216.34', family: 4 }];
      if (hostname === 'internal.example.com') return [{ address: '10.1.2.3', family: 4 }];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
    before(async () => {
      strict = await startTestHerald(
        { HERALD_ALLOW_HTTP: 'false', HERALD_ALLOW_PRIVATE_NETWORKS: 'false', HERALD_RETRY_SCHEDULE: '5s,5m,30m,2h,5h,10h,10h' },
        { lookup: publicDns },
      );
    });
    after(async () => {
      await strict?.close();
    });

    test('http:// is refused and https:// to a public host is accepted, with 8 attempts by default', async () => {
      await assertRefused(strict.api, { url: 'http://hooks.example.com/webhooks' }, 'url');
      const endpoint = await createEndpoint(strict.api, { url: 'https://hooks.example.com/webhooks' });
      assert.equal(endpoint.max_attempts, 8);
      assert.equal(endpoint.timeout_ms, 15000);
      await assertRefused(strict.api, { url: 'http://hooks.example.com/other' }, 'url', 'patch', `/v1/endpoints/${endpoint.id}`);
    });

    test('private, loopback and link-local URLs are refused', async () => {
      for (const url of ['https://127.0.0.1/', 'https://10.0.0.1/', 'https://169.254.169.254/latest/meta-data', 'https://localhost/', 'https://[::1]/', 'https://internal.example.com/']) {
        await assertRefused(strict.api, { url }, 'url');
      }
    });
  });

  test('rotating with a grace period signs with both secrets; each signature verifies', async () => {
    const endpoint = await createEndpoint(h.api, { url: at(receiver.base, '/ok', 'rotate'), event_types: ['rotation.check'] });
    const old = (await h.api.get(`/v1/endpoints/${endpoint.id}/secret`)).json.secret;
    const rotated = await h.api.post(`/v1/endpoints/${endpoint.id}/secret/rotate`, { grace_period_s: 3600 });
    assert.equal(rotated.status, 200, rotated.text);
    const current = (await h.api.get(`/v1/endpoints/${endpoint.id}/secret`)).json.secret;
    assert.notEqual(current, old);
    assert.equal(rotated.json.secret, current);
    assert.match(current, /^whsec_/);

    await publish(h.api, { type: 'rotation.check', payload: { during: 'grace' } });
    const [during] = await received('rotate', 1);
    assert.ok(during);
    const signatures = String(during.headers['webhook-signature']).split(' ');
    assert.equal(signatures.length, 2);
    for (const signature of signatures) assert.match(signature, /^v1,[A-Za-z0-9+/]+={0,2}$/);
    assert.ok(verifies(current, during), 'the new secret verifies');
    assert.ok(verifies(old, during), 'the old secret verifies during the grace period');

    const rotatedNow = await h.api.post(`/v1/endpoints/${endpoint.id}/secret/rotate`, { grace_period_s: 0 });
    assert.equal(rotatedNow.status, 200, rotatedNow.text);
    const latest = rotatedNow.json.secret;
    await publish(h.api, { type: 'rotation.check', payload: { during: 'no grace' } });
    const after = (await received('rotate', 2))[1];
    assert.ok(after);
    assert.equal(String(after.headers['webhook-signature']).split(' ').length, 1);
    assert.ok(verifies(latest, after));
    assert.ok(!verifies(current, after), 'the replaced secret no longer signs');
    assert.ok(!verifies(old, after));
  });

  test('rotate with no body keeps the old secret signing for the default 24 h', async () => {
    const endpoint = await createEndpoint(h.api, { url: `${receiver.base}/ok` });
    const rotated = await h.api.post(`/v1/endpoints/${endpoint.id}/secret/rotate`);
    assert.equal(rotated.status, 200, rotated.text);
    const graceMs = Date.parse(rotated.json.previous_secret_expires_at) - Date.now();
    assert.ok(Math.abs(graceMs - 86_400_000) < 60_000, `grace ends in ${graceMs} ms`);
  });

  test('rotate accepts a given secret and refuses a bad one', async () => {
    const endpoint = await createEndpoint(h.api, { url: `${receiver.base}/ok` });
    const chosen = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const rotated = await h.api.post(`/v1/endpoints/${endpoint.id}/secret/rotate`, { secret: chosen, grace_period_s: 0 });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal((await h.api.get(`/v1/endpoints/${endpoint.id}/secret`)).json.secret, chosen);
    await assertRefused(h.api, { secret: 'whsec_tooshort' }, 'secret', 'post', `/v1/endpoints/${endpoint.id}/secret/rotate`);
  });

  test('POST /test sends a herald.test event to that endpoint even if it does not subscribe to it', async () => {
    const endpoint = await createEndpoint(h.api, { url: at(receiver.base, '/ok', 'test-send'), event_types: ['invoice.paid'] });
    const bystander = await createEndpoint(h.api, { url: at(receiver.base, '/ok', 'bystander') });
    const response = await h.api.post(`/v1/endpoints/${endpoint.id}/test`);
    assert.equal(response.status, 202, response.text);
    assert.equal(response.json.type, 'herald.test');
    assert.deepEqual(response.json.deliveries.map((d: { endpoint_id: string }) => d.endpoint_id), [endpoint.id]);
    const [sent] = await received('test-send', 1);
    assert.ok(sent);
    assert.equal(sent.headers['webhook-id'], response.json.id);
    const secret = (await h.api.get(`/v1/endpoints/${endpoint.id}/secret`)).json.secret;
    assert.ok(verifies(secret, sent));
    assert.equal((await h.api.get(`/v1/events/${response.json.id}`)).json.type, 'herald.test');
    assert.equal(forEndpoint('bystander').length, 0, 'only the tested endpoint is sent the test event');
    assert.ok(bystander.id);
  });

  test('POST /test of a disabled endpoint sends to it, and later publishes still leave it out', async () => {
    const workspace = await newWorkspace(h, 'disabled-test');
    const endpoint = await createEndpoint(workspace.api, { url: at(receiver.base, '/ok', 'disabled-test') });
    const warm = await publish(workspace.api, { type: 'invoice.paid', payload: {} });
    assert.equal(warm.deliveries.length, 1, 'enabled: it gets events');
    assert.equal((await workspace.api.patch(`/v1/endpoints/${endpoint.id}`, { enabled: false })).status, 200);
    const tested = await workspace.api.post(`/v1/endpoints/${endpoint.id}/test`);
    assert.equal(tested.status, 202, tested.text);
    assert.deepEqual(tested.json.deliveries.map((d: { endpoint_id: string }) => d.endpoint_id), [endpoint.id]);
    for (let i = 0; i < 3; i += 1) {
      assert.deepEqual((await publish(workspace.api, { type: 'invoice.paid', payload: { i } })).deliveries, [], 'disabled: no deliveries');
    }
  });

  test('PATCH enabled:false sets a disabled_reason; enabled:true clears it', async () => {
    const endpoint = await createEndpoint(h.api, { url: `${receiver.base}/ok` });
    const disabled = await h.api.patch(`/v1/endpoints/${endpoint.id}`, { enabled: false });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.json.enabled, false);
    assert.equal(typeof disabled.json.disabled_reason, 'string');
    assert.ok(disabled.json.disabled_reason.length > 0);
    const enabled = await h.api.patch(`/v1/endpoints/${endpoint.id}`, { enabled: true });
    assert.equal(enabled.json.enabled, true);
    assert.equal(enabled.json.disabled_reason, null);
  });
});
