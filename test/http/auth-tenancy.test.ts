import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { apiClient, assertErrorShape, eventually, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { withAdminClient } from '../support/postgres.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { createEndpoint, newWorkspace, publish, type Workspace } from './fixtures.ts';

describe('API keys, the admin key and workspace isolation', () => {
  let h: TestHerald;
  let receiver: Receiver;
  let admin: ApiClient;
  let anonymous: ApiClient;
  /** What the default workspace owns: one endpoint, one event, its delivery and its log entry. */
  const owned = { endpoint: '', event: '', delivery: '', log: '' };

  before(async () => {
    h = await startTestHerald();
    receiver = await startReceiver();
    admin = apiClient(h.url, h.adminKey);
    anonymous = apiClient(h.url, null);
    const endpoint = await createEndpoint(h.api, { url: `${receiver.base}/ok` });
    const event = await publish(h.api, { type: 'call.ended', payload: { n: 1 }, tags: { call_id: 'c1' } });
    owned.endpoint = endpoint.id;
    owned.event = event.id;
    owned.delivery = event.deliveries[0].id;
    const logs = await eventually(async () => {
      const data = (await h.api.get('/v1/logs')).json.data;
      return data.length > 0 ? data : null;
    }, 5000);
    assert.equal(logs?.length, 1);
    owned.log = logs[0].id;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('no key answers 401 UNAUTHORIZED in the contract shape', async () => {
    const error = assertErrorShape(await anonymous.get('/v1/endpoints'), 401);
    assert.equal(error.code, 'UNAUTHORIZED');
  });

  test('a wrong key, a malformed Authorization header and an empty X-API-Key answer 401', async () => {
    const attempts: Array<Record<string, string>> = [{ authorization: 'Bearer not-a-real-key' }, { authorization: `Basic ${h.key}` }, { 'x-api-key': '' }, { 'x-api-key': 'nope' }];
    for (const headers of attempts) {
      const error = assertErrorShape(await anonymous.get('/v1/events', headers), 401);
      assert.equal(error.code, 'UNAUTHORIZED', JSON.stringify(headers));
    }
  });

  test('the key is checked before the body: no key and an invalid body still answers 401', async () => {
    assert.equal(assertErrorShape(await anonymous.post('/v1/endpoints', { nonsense: true }), 401).code, 'UNAUTHORIZED');
    assert.equal(assertErrorShape(await anonymous.raw('POST', '/v1/events', '{"type":'), 401).code, 'UNAUTHORIZED');
  });

  test('both Authorization: Bearer and X-API-Key are accepted', async () => {
    assert.equal((await anonymous.get('/v1/endpoints', { authorization: `Bearer ${h.key}` })).status, 200);
    assert.equal((await anonymous.get('/v1/endpoints', { 'x-api-key': h.key })).status, 200);
  });

  test('a workspace key on admin routes answers 403 FORBIDDEN; no key answers 401', async () => {
    assert.equal(assertErrorShape(await h.api.post('/v1/workspaces', { name: 'x' }), 403).code, 'FORBIDDEN');
    assert.equal(assertErrorShape(await h.api.get('/v1/workspaces'), 403).code, 'FORBIDDEN');
    assert.equal(assertErrorShape(await anonymous.post('/v1/workspaces', { name: 'x' }), 401).code, 'UNAUTHORIZED');
  });

  test('the admin key on workspace routes answers 403 FORBIDDEN', async () => {
    for (const path of ['/v1/endpoints', '/v1/events', '/v1/deliveries', '/v1/logs']) {
      assert.equal(assertErrorShape(await admin.get(path), 403).code, 'FORBIDDEN', path);
    }
    assert.equal(assertErrorShape(await admin.post('/v1/events', { type: 'a.b', payload: {} }), 403).code, 'FORBIDDEN');
  });

  test('the admin key creates a workspace and a key shown once; the new key works', async () => {
    const workspace = await admin.post('/v1/workspaces', { name: 'acme' });
    assert.equal(workspace.status, 201, workspace.text);
    assert.match(workspace.json.id, /^ws_[0-9a-f]{32}$/);
    assert.equal(workspace.json.name, 'acme');
    assert.match(workspace.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const key = await admin.post(`/v1/workspaces/${workspace.json.id}/api-keys`, { name: 'ci' });
    assert.equal(key.status, 201, key.text);
    assert.match(key.json.id, /^key_[0-9a-f]{32}$/);
    assert.equal(key.json.name, 'ci');
    assert.equal(typeof key.json.key, 'string');
    assert.ok(key.json.key.length >= 32);

    const listed = await admin.get('/v1/workspaces?limit=500');
    assert.equal(listed.status, 200);
    assert.ok(listed.json.data.some((w: { id: string }) => w.id === workspace.json.id));
    assert.ok(!listed.text.includes(key.json.key), 'the key is never shown again');

    const mine = apiClient(h.url, key.json.key);
    const endpoints = await mine.get('/v1/endpoints');
    assert.equal(endpoints.status, 200);
    assert.deepEqual(endpoints.json.data, []);
  });

  test('a key for an unknown workspace answers 404', async () => {
    const response = await admin.post('/v1/workspaces/ws_00000000000000000000000000000000/api-keys', { name: 'x' });
    assert.equal(assertErrorShape(response, 404).code, 'WORKSPACE_NOT_FOUND');
  });

  describe('another workspace', () => {
    let other: Workspace;
    before(async () => {
      other = await newWorkspace(h, 'other');
    });

    test("cannot read the first workspace's resources: 404 with each resource's own code", async () => {
      const cases: Array<[string, string]> = [
        [`/v1/endpoints/${owned.endpoint}`, 'ENDPOINT_NOT_FOUND'],
        [`/v1/endpoints/${owned.endpoint}/secret`, 'ENDPOINT_NOT_FOUND'],
        [`/v1/endpoints/${owned.endpoint}/logs`, 'ENDPOINT_NOT_FOUND'],
        [`/v1/events/${owned.event}`, 'EVENT_NOT_FOUND'],
        [`/v1/deliveries/${owned.delivery}`, 'DELIVERY_NOT_FOUND'],
        [`/v1/logs/${owned.log}`, 'LOG_NOT_FOUND'],
      ];
      for (const [path, code] of cases) assert.equal(assertErrorShape(await other.api.get(path), 404).code, code, path);
    });

    test("cannot change, delete, test or retry the first workspace's resources", async () => {
      assert.equal(assertErrorShape(await other.api.patch(`/v1/endpoints/${owned.endpoint}`, { description: 'mine' }), 404).code, 'ENDPOINT_NOT_FOUND');
      assert.equal(assertErrorShape(await other.api.post(`/v1/endpoints/${owned.endpoint}/test`), 404).code, 'ENDPOINT_NOT_FOUND');
      assert.equal(assertErrorShape(await other.api.post(`/v1/endpoints/${owned.endpoint}/secret/rotate`, {}), 404).code, 'ENDPOINT_NOT_FOUND');
      assert.equal(assertErrorShape(await other.api.delete(`/v1/endpoints/${owned.endpoint}`), 404).code, 'ENDPOINT_NOT_FOUND');
      assert.equal(assertErrorShape(await other.api.post(`/v1/deliveries/${owned.delivery}/retry`), 404).code, 'DELIVERY_NOT_FOUND');
      assert.equal(assertErrorShape(await other.api.post(`/v1/logs/${owned.log}/retry`), 404).code, 'LOG_NOT_FOUND');
      assert.equal((await h.api.get(`/v1/endpoints/${owned.endpoint}`)).status, 200, 'the endpoint is still there');
    });

    test("cannot publish to the first workspace's endpoint", async () => {
      const response = await other.api.post('/v1/events', { type: 'call.ended', payload: {}, endpoint_ids: [owned.endpoint] });
      assert.equal(assertErrorShape(response, 422).code, 'VALIDATION_FAILED');
    });

    test("lists nothing of the first workspace's, even when filtering by its ids", async () => {
      for (const path of [
        '/v1/endpoints', '/v1/events', '/v1/deliveries', '/v1/logs',
        `/v1/deliveries?endpoint_id=${owned.endpoint}`, `/v1/logs?event_id=${owned.event}`, `/v1/events?tag[call_id]=c1`,
      ]) {
        const response = await other.api.get(`${path}${path.includes('?') ? '&' : '?'}count=true`);
        assert.equal(response.status, 200, `${path}: ${response.text}`);
        assert.deepEqual(response.json.data, [], path);
        assert.equal(response.json.meta.total, 0, path);
      }
      assert.equal((await h.api.get('/v1/logs')).json.data.length, 1, 'the owner still sees its entry');
    });
  });

  test('DELETE /v1/api-keys/{id} answers 204 and the key stops working at once', async () => {
    const ws = await newWorkspace(h, 'short-lived');
    assert.equal((await ws.api.get('/v1/endpoints')).status, 200);
    const deleted = await admin.delete(`/v1/api-keys/${ws.keyId}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assert.ok(deleted.headers.get('x-request-id'));
    assert.equal(assertErrorShape(await ws.api.get('/v1/endpoints'), 401).code, 'UNAUTHORIZED');
    assert.equal(assertErrorShape(await anonymous.get('/v1/endpoints', { 'x-api-key': ws.key }), 401).code, 'UNAUTHORIZED');
    assert.equal(assertErrorShape(await admin.delete(`/v1/api-keys/${ws.keyId}`), 404).code, 'API_KEY_NOT_FOUND');
    assert.equal(assertErrorShape(await h.api.delete(`/v1/api-keys/${ws.keyId}`), 403).code, 'FORBIDDEN');
  });

  test('keys are stored hashed: no plaintext key in api_keys', async () => {
    const ws = await newWorkspace(h, 'hashed');
    const rows = await readApiKeys(h);
    assert.ok(rows.length >= 2);
    const stored = JSON.stringify(rows);
    for (const key of [h.key, ws.key]) {
      assert.ok(!stored.includes(key), 'a plaintext key is in api_keys');
      assert.ok(!stored.includes(Buffer.from(key).toString('base64')), 'a base64 of a key is in api_keys');
    }
  });
});

/** Every row of `api_keys`, read past the API: from the SQLite file, or from the test's PostgreSQL schema. */
async function readApiKeys(h: TestHerald): Promise<unknown[]> {
  const url = h.herald.ctx.config.databaseUrl;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const schema = new URL(url).searchParams.get('schema') ?? undefined;
    return withAdminClient(async (client) => (await client.query('SELECT * FROM api_keys')).rows, schema);
  }
  const db = new DatabaseSync(h.dbPath, { readOnly: true });
  try {
    return db.prepare('SELECT * FROM api_keys').all();
  } finally {
    db.close();
  }
}
