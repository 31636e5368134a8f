import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { generateSecret } from '../../src/domain/signature.ts';
import { startHerald, type Herald } from '../../src/herald.ts';
import { createLogger } from '../../src/logger.ts';
import type { Storage } from '../../src/storage/storage.ts';
import { apiClient, eventually, type ApiResponse } from '../support/herald.ts';
import { dropSchemas, newSchemaName, urlWithSchema } from '../support/postgres.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';

// No secret or key in a log line or an error body: Herald runs at HERALD_LOG_LEVEL=trace with pino
// writing into memory; every key and secret used is then looked for in what was logged and answered.

describe('no key or secret in logs or error bodies (HERALD_LOG_LEVEL=trace)', { timeout: 60_000 }, () => {
  const lines: string[] = [];
  const responses: Array<{ what: string; response: ApiResponse }> = [];
  const apiKey = `hk_${randomBytes(32).toString('base64url')}`;
  const adminKey = `adm_${randomBytes(32).toString('base64url')}`;
  const secretKey = randomBytes(32).toString('base64');
  const secrets: string[] = [];
  const keys: string[] = [apiKey, adminKey, secretKey];
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-redaction-'));
  const schema = process.env.HERALD_TEST_BACKEND === 'postgres' ? newSchemaName() : null;
  let herald: Herald;
  let receiver: Receiver;
  let base = '';

  /** Calls the API and keeps the answer for the final check. */
  async function call(what: string, key: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const client = apiClient(base, key);
    const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
    const response = await client.raw(method, path, raw, headers);
    responses.push({ what, response });
    return response;
  }

  before(async () => {
    receiver = await startReceiver();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
        done();
      },
    });
    const config = loadConfig({
      HERALD_PORT: '0',
      HERALD_DATABASE_URL: schema ? urlWithSchema(schema, undefined, { pool_size: '3' }) : join(dataDir, 'herald.db'),
      HERALD_API_KEY: apiKey,
      HERALD_ADMIN_KEY: adminKey,
      HERALD_SECRET_KEY: secretKey,
      HERALD_LOG_LEVEL: 'trace',
      HERALD_ALLOW_HTTP: 'true',
      HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
      HERALD_RETRY_SCHEDULE: '20ms,20ms',
    });
    herald = await startHerald({ config, logger: createLogger(config.logLevel, sink) });
    base = herald.url!;
  });
  after(async () => {
    await herald?.stop();
    await receiver?.close();
    if (schema) await dropSchemas([schema]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('keys, endpoint secrets, rotation, deliveries, failures: nothing secret is logged or echoed', async () => {
    // Admin: a workspace and a key of its own.
    const workspace = await call('create workspace', adminKey, 'POST', '/v1/workspaces', { name: 'redaction' });
    assert.equal(workspace.status, 201, workspace.text);
    const created = await call('create key', adminKey, 'POST', `/v1/workspaces/${workspace.json.id}/api-keys`, { name: 'k' });
    assert.equal(created.status, 201, created.text);
    const workspaceKey: string = created.json.key;
    keys.push(workspaceKey);

    // Endpoints with a chosen and a generated secret; one that fails, one that is gone.
    const chosen = generateSecret();
    secrets.push(chosen);
    const ok = await call('create endpoint', workspaceKey, 'POST', '/v1/endpoints', { url: `${receiver.base}/ok`, secret: chosen });
    assert.equal(ok.status, 201, ok.text);
    const failing = await call('create failing endpoint', workspaceKey, 'POST', '/v1/endpoints', { url: `${receiver.base}/fail`, max_attempts: 2 });
    const gone = await call('create gone endpoint', workspaceKey, 'POST', '/v1/endpoints', { url: `${receiver.base}/gone` });
    const hangs = await call('create hanging endpoint', workspaceKey, 'POST', '/v1/endpoints', { url: `${receiver.base}/hang`, timeout_ms: 100, max_attempts: 1 });
    for (const endpoint of [failing, gone, hangs]) {
      assert.equal(endpoint.status, 201, endpoint.text);
      secrets.push((await call('read secret', workspaceKey, 'GET', `/v1/endpoints/${endpoint.json.id}/secret`)).json.secret);
    }
    const rotated = await call('rotate', workspaceKey, 'POST', `/v1/endpoints/${ok.json.id}/secret/rotate`, { grace_period_s: 60 });
    assert.equal(rotated.status, 200, rotated.text);
    secrets.push(rotated.json.secret);
    const patchedSecret = generateSecret();
    secrets.push(patchedSecret);
    assert.equal((await call('patch secret', workspaceKey, 'PATCH', `/v1/endpoints/${gone.json.id}`, { secret: patchedSecret })).status, 200);

    // Deliveries: success (signed with two secrets), failures and retries, a 410, a timeout.
    const published = await call('publish', workspaceKey, 'POST', '/v1/events', { type: 'invoice.paid', payload: { n: 1 } });
    assert.equal(published.status, 202, published.text);
    const settled = await eventually(async () => {
      const open = await call('deliveries', workspaceKey, 'GET', '/v1/deliveries?status=queued,delivering,pending_retry');
      return open.json.data.length === 0;
    }, 10_000, 50);
    assert.ok(settled, 'every delivery settled');
    const logs = await call('logs', workspaceKey, 'GET', '/v1/logs');
    assert.ok(logs.json.data.length >= 5, `${logs.json.data.length} attempts logged`);
    for (const entry of logs.json.data) await call('log detail', workspaceKey, 'GET', `/v1/logs/${entry.id}`);
    await call('retry', workspaceKey, 'POST', `/v1/logs/${logs.json.data[0].id}/retry`);

    // Failures that involve a key or a secret.
    const nearMiss = (key: string) => `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    for (const [what, key] of [['wrong workspace key', nearMiss(workspaceKey)], ['wrong admin key', nearMiss(adminKey)], ['deleted-like key', `${apiKey}x`]] as const) {
      assert.equal((await call(what, key, 'GET', '/v1/endpoints')).status, 401);
      assert.equal((await call(`${what} (X-API-Key)`, null, 'GET', '/v1/endpoints', undefined, { 'x-api-key': key })).status, 401);
    }
    assert.equal((await call('admin key on workspace route', adminKey, 'GET', '/v1/endpoints')).status, 403);
    assert.equal((await call('workspace key on admin route', workspaceKey, 'GET', '/v1/workspaces')).status, 403);
    assert.equal((await call('malformed authorization', null, 'GET', '/v1/endpoints', undefined, { authorization: `Basic ${workspaceKey}` })).status, 401);
    const broken = `{"url":"${receiver.base}/ok","secret":"${chosen}`;
    assert.equal((await call('malformed JSON with a secret', workspaceKey, 'POST', '/v1/endpoints', broken)).status, 400);
    assert.equal((await call('bad JSON token after a secret', workspaceKey, 'POST', '/v1/endpoints', `{"secret":"${chosen}",}`)).status, 400);
    assert.equal((await call('invalid secret', workspaceKey, 'POST', '/v1/endpoints', { url: `${receiver.base}/ok`, secret: `${chosen}!` })).status, 422);
    assert.equal((await call('secret of a wrong type', workspaceKey, 'POST', '/v1/endpoints', { url: `${receiver.base}/ok`, secret: [chosen] })).status, 422);
    assert.equal((await call('rotate to an invalid secret', workspaceKey, 'POST', `/v1/endpoints/${ok.json.id}/secret/rotate`, { secret: `x${chosen}` })).status, 422);
    assert.equal((await call('header value with a secret and CRLF', workspaceKey, 'POST', '/v1/endpoints', {
      url: `${receiver.base}/ok`, headers: { 'x-token': `${chosen}\r\nx-evil: 1` },
    })).status, 422);
    assert.equal((await call('unknown field holding a key', workspaceKey, 'POST', '/v1/endpoints', { url: `${receiver.base}/ok`, api_key: workspaceKey })).status, 422);
    assert.equal((await call('key as an Idempotency-Key too long', workspaceKey, 'POST', '/v1/events', { type: 'a', payload: 1 }, { 'idempotency-key': workspaceKey.repeat(10) })).status, 400);
    assert.equal((await call('delete key', adminKey, 'DELETE', `/v1/api-keys/${created.json.id}`)).status, 204);
    assert.equal((await call('deleted key', workspaceKey, 'GET', '/v1/endpoints')).status, 401);

    // An unexpected storage error that quotes a row, as PostgreSQL's do ("Failing row contains (…)"):
    // a 500 whose log line must keep the error but not the values it quotes.
    const storage = herald.ctx.storage;
    const quoting = Object.assign(new Error(`new row violates check constraint near "${chosen}"`), {
      code: '23514',
      detail: `Failing row contains (ep_1, ${chosen}, ${rotated.json.secret}, ${workspaceKey}).`,
    });
    (herald.ctx as { storage: Storage }).storage = new Proxy(storage, {
      get: (target, property) => (property === 'publishEvents' ? () => Promise.reject(quoting) : Reflect.get(target, property)),
    });
    try {
      const failed = await call('storage error quoting a row', apiKey, 'POST', '/v1/events', { type: 'invoice.paid', payload: { secret: chosen } });
      assert.equal(failed.status, 500, failed.text);
    } finally {
      (herald.ctx as { storage: Storage }).storage = storage;
    }
    const failureLine = lines.find((line) => line.includes('request failed'));
    assert.ok(failureLine, 'the 500 was logged');
    assert.match(failureLine, /check constraint/, 'with its message');
    assert.match(failureLine, /"code":"23514"/, 'and its code');

    // The check: every spelling of every key and secret, in every log line and every error body.
    const forbidden = [...keys, ...secrets, ...secrets.map((s) => s.slice('whsec_'.length))];
    assert.ok(forbidden.every((value) => value.length >= 32), 'long enough not to match by chance');
    const logText = lines.join('\n');
    for (const value of forbidden) assert.ok(!logText.includes(value), `a log line contains a key or secret (${value.slice(0, 6)}…)`);
    const errors = responses.filter(({ response }) => response.status >= 400);
    assert.ok(errors.length >= 15, `${errors.length} error answers checked`);
    for (const { what, response } of errors) {
      for (const value of forbidden) assert.ok(!response.text.includes(value), `the error body of "${what}" contains a key or secret: ${response.text.slice(0, 200)}`);
    }
    // Outside the routes made to reveal one (key creation, GET/rotate secret), no answer carries a secret.
    const revealing = new Set(['create key', 'read secret', 'rotate']);
    for (const { what, response } of responses.filter((r) => !revealing.has(r.what))) {
      for (const value of [...secrets, workspaceKey]) assert.ok(!response.text.includes(value), `the answer to "${what}" contains a secret`);
    }
    console.log(`# ${lines.length} log lines at trace level and ${responses.length} answers (${errors.length} errors) checked for ${forbidden.length} keys and secrets`);
  });
});
