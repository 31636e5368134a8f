import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiClient } from '../support/herald.ts';
import { dropSchemas, newSchemaName, postgresSkipReason, urlWithSchema } from '../support/postgres.ts';
import { freePort, loopbackServerEnv, startServerProcess, type ServerProcess } from '../crash/server-process.ts';

// On PostgreSQL an API process fans a publish out to the endpoints it read last, without asking the
// database first; the insert checks they are still current. Endpoint changes made through another API
// process must still count from the very next publish.

const skip = await postgresSkipReason();

test('an endpoint added, disabled or deleted through one API process counts at the next publish through another', { skip, timeout: 60_000 }, async (t) => {
  const schema = newSchemaName();
  const apis: ServerProcess[] = [];
  t.after(async () => {
    for (const api of apis) await api.stop('SIGKILL');
    await dropSchemas([schema]);
  });
  const env = {
    ...loopbackServerEnv(await freePort(), urlWithSchema(schema, undefined, { pool_size: '4' }), 'hk_routes'),
    HERALD_API_RATE_LIMIT: '0',
    HERALD_ROLE: 'api', // nothing is sent: the deliveries a publish creates are the answer
  };
  apis.push(await startServerProcess(env)); // migrates first
  apis.push(await startServerProcess({ ...env, HERALD_PORT: String(await freePort()) })); // the same key
  const [changer, publisher] = apis.map((api) => api.api) as [ApiClient, ApiClient];

  const createEndpoint = async (path: string): Promise<string> => {
    const created = await changer.post('/v1/endpoints', { url: `http://127.0.0.1:9/${path}` });
    assert.equal(created.status, 201, created.text);
    return created.json.id;
  };
  const publishTo = async (body: Record<string, unknown> = {}) => publisher.post('/v1/events', { type: 'order.created', payload: { n: 1 }, ...body });
  const targets = async (): Promise<string[]> => {
    const published = await publishTo();
    assert.equal(published.status, 202, published.text);
    return published.json.deliveries.map((d: { endpoint_id: string }) => d.endpoint_id).sort();
  };

  const first = await createEndpoint('first');
  assert.deepEqual(await targets(), [first]);
  assert.deepEqual(await targets(), [first], 'again, from what the publishing process read');
  const second = await createEndpoint('second');
  assert.deepEqual(await targets(), [first, second].sort(), 'added through the other process');
  assert.equal((await changer.patch(`/v1/endpoints/${first}`, { enabled: false })).status, 200);
  assert.deepEqual(await targets(), [second], 'disabled through the other process');
  assert.equal((await changer.delete(`/v1/endpoints/${second}`)).status, 204);
  assert.deepEqual(await targets(), [], 'deleted through the other process');
  const named = await publishTo({ endpoint_ids: [second] });
  assert.equal(named.status, 422, named.text);
  assert.equal(named.json.error.code, 'VALIDATION_FAILED');
  const third = await createEndpoint('third');
  const narrowed = await publishTo({ endpoint_ids: [third] });
  assert.equal(narrowed.status, 202, narrowed.text);
  assert.deepEqual(narrowed.json.deliveries.map((d: { endpoint_id: string }) => d.endpoint_id), [third], 'named before this process read it');
  // Every publish that answered 202 is stored, with exactly the deliveries it answered.
  const events = (await publisher.get('/v1/events?limit=100')).json.data;
  assert.equal(events.length, 6);
});
