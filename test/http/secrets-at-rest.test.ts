import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { ConfigError } from '../../src/config.ts';
import { generateSecret } from '../../src/domain/signature.ts';
import { apiClient, eventually, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { dropSchemas, newSchemaName, urlWithSchema, withAdminClient } from '../support/postgres.ts';
import { startReceiver, type Receiver, type RecordedRequest } from '../support/receiver.ts';

// Endpoint secrets encrypted at rest (HERALD_SECRET_KEY), on a real SQLite file, or a PostgreSQL
// schema under HERALD_TEST_BACKEND=postgres. One database, started and stopped several times.

const onPostgres = process.env.HERALD_TEST_BACKEND === 'postgres';
const KEY = randomBytes(32).toString('base64');
const OTHER_KEY = randomBytes(32).toString('hex');
const API_KEY = `hk_secrets_${randomBytes(8).toString('hex')}`;

function verifies(secret: string, request: RecordedRequest): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

/** Every spelling of a secret that must never be found at rest: itself, its base64 body, its bytes. */
function spellings(secret: string): Array<string | Buffer> {
  const body = secret.slice('whsec_'.length);
  return [secret, body, Buffer.from(body, 'base64')];
}

describe(`endpoint secrets at rest with HERALD_SECRET_KEY (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-secrets-'));
  const schema = onPostgres ? newSchemaName() : null;
  const databaseUrl = schema ? urlWithSchema(schema, undefined, { pool_size: '3' }) : join(dataDir, 'herald.db');
  let receiver: Receiver;
  let h: TestHerald | null = null;

  const stop = async () => {
    await h?.herald.stop();
    h = null;
  };
  /** Starts Herald on the one database (stopping the one running, if a failed test left it). */
  const start = async (env: Record<string, string> = { HERALD_SECRET_KEY: KEY }) => {
    await stop();
    // The stopped Herald's SQLite upkeep thread ends asynchronously and may hold the file for a moment.
    for (let tries = 0; ; tries += 1) {
      try {
        return await startTestHerald({ HERALD_DATABASE_URL: databaseUrl, HERALD_API_KEY: API_KEY, ...env }, { dataDir });
      } catch (error) {
        if (tries >= 40 || !/database is locked/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const api = (): ApiClient => apiClient(h!.url, API_KEY);

  /** Every table's rows as text, read straight from the database. */
  async function rawRows(): Promise<string> {
    if (schema) {
      return withAdminClient(async (client) => {
        const tables = await client.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
        let text = '';
        for (const { table_name: table } of tables.rows) {
          const rows = await client.query(`SELECT t::text AS row FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(String(table))} t`);
          text += rows.rows.map((r) => String(r.row)).join('\n');
        }
        return text;
      });
    }
    const db = new DatabaseSync(databaseUrl, { readOnly: true, timeout: 5000 });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'attempts_search%'").all();
      return tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${String(name)}"`).all())).join('\n');
    } finally {
      db.close();
    }
  }

  /** The secret columns of every endpoint, as stored. */
  async function storedSecrets(): Promise<Array<{ secret: string; previous_secret: string | null }>> {
    if (schema) {
      return withAdminClient(async (client) => (await client.query('SELECT secret, previous_secret FROM endpoints')).rows, schema);
    }
    const db = new DatabaseSync(databaseUrl, { readOnly: true, timeout: 5000 });
    try {
      return db.prepare('SELECT secret, previous_secret FROM endpoints').all() as Array<{ secret: string; previous_secret: string | null }>;
    } finally {
      db.close();
    }
  }

  /** The bytes of every file of the SQLite database (main file, WAL, shared memory). */
  const rawFiles = (): Buffer => Buffer.concat(readdirSync(dataDir).map((name) => readFileSync(join(dataDir, name))));

  async function assertNowhereAtRest(secrets: string[], what: string) {
    const rows = await rawRows();
    const files = schema ? null : rawFiles();
    for (const secret of secrets) {
      for (const spelling of spellings(secret)) {
        if (typeof spelling === 'string') assert.ok(!rows.includes(spelling), `${what}: a stored row contains the secret`);
        if (files) assert.equal(files.indexOf(spelling), -1, `${what}: the database files contain the secret (${typeof spelling === 'string' ? 'text' : 'bytes'})`);
      }
    }
  }

  /** Publishes one event to the endpoint and returns the request the receiver got. */
  async function deliverOnce(endpointId: string, marker: string): Promise<RecordedRequest> {
    const published = await api().post('/v1/events', { type: 'secret.check', payload: { marker }, endpoint_ids: [endpointId] });
    assert.equal(published.status, 202, published.text);
    const request = await eventually(() => receiver.requests.find((r) => r.body.includes(marker)), 5000);
    assert.ok(request, `the receiver got event ${marker}`);
    return request;
  }

  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => {
    await stop();
    await receiver?.close();
    if (schema) await dropSchemas([schema]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const legacySecret = generateSecret();
  const chosenSecret = generateSecret();
  let legacyId = '';
  let chosenId = '';
  let generatedId = '';
  let rotatedSecret = '';

  test('secrets written before the key was set are sealed at the next start with the key', async () => {
    h = await start({});
    const created = await api().post('/v1/endpoints', { url: `${receiver.base}/ok?ep=legacy`, secret: legacySecret });
    assert.equal(created.status, 201, created.text);
    legacyId = created.json.id;
    await stop();
    assert.equal((await storedSecrets())[0]?.secret, legacySecret, 'without a key the secret is stored as given');

    h = await start();
    const stored = await storedSecrets();
    assert.match(stored[0]!.secret, /^enc:v1:[\w-]+:[\w-]+:[\w-]+$/);
    assert.ok(!(await rawRows()).includes(legacySecret), 'no stored row holds the old plaintext');
    const read = await api().get(`/v1/endpoints/${legacyId}/secret`);
    assert.equal(read.json.secret, legacySecret, 'GET …/secret answers the plaintext');
    assert.ok(verifies(legacySecret, await deliverOnce(legacyId, 'legacy-1')));
  });

  test('new secrets, chosen or generated, never reach the database in the clear; deliveries verify', async () => {
    const chosen = await api().post('/v1/endpoints', { url: `${receiver.base}/ok?ep=chosen`, secret: chosenSecret });
    assert.equal(chosen.status, 201, chosen.text);
    chosenId = chosen.json.id;
    const generated = await api().post('/v1/endpoints', { url: `${receiver.base}/ok?ep=generated` });
    assert.equal(generated.status, 201, generated.text);
    generatedId = generated.json.id;
    const generatedSecret = (await api().get(`/v1/endpoints/${generatedId}/secret`)).json.secret as string;
    assert.match(generatedSecret, /^whsec_/);
    assert.equal((await api().get(`/v1/endpoints/${chosenId}/secret`)).json.secret, chosenSecret);

    assert.ok(verifies(chosenSecret, await deliverOnce(chosenId, 'chosen-1')), 'signed with the chosen secret');
    assert.ok(verifies(generatedSecret, await deliverOnce(generatedId, 'generated-1')), 'signed with the generated secret');
    for (const row of await storedSecrets()) assert.match(row.secret, /^enc:v1:/);
    await assertNowhereAtRest([chosenSecret, generatedSecret], 'after create and deliver');
  });

  test('rotation: both secrets sign during the grace period, both stored sealed', async () => {
    const rotated = await api().post(`/v1/endpoints/${chosenId}/secret/rotate`, { grace_period_s: 3600 });
    assert.equal(rotated.status, 200, rotated.text);
    rotatedSecret = rotated.json.secret;
    assert.notEqual(rotatedSecret, chosenSecret);
    assert.equal((await api().get(`/v1/endpoints/${chosenId}/secret`)).json.secret, rotatedSecret);

    const request = await deliverOnce(chosenId, 'rotated-1');
    assert.ok(verifies(rotatedSecret, request), 'signed with the new secret');
    assert.ok(verifies(chosenSecret, request), 'and with the old one during the grace period');
    assert.equal(String(request.headers['webhook-signature']).split(' ').length, 2);
    const sealedPrevious = (await storedSecrets()).filter((row) => row.previous_secret !== null);
    assert.equal(sealedPrevious.length, 1);
    assert.match(sealedPrevious[0]!.previous_secret!, /^enc:v1:/);

    const patchedSecret = generateSecret();
    const patched = await api().patch(`/v1/endpoints/${generatedId}`, { secret: patchedSecret });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((await api().get(`/v1/endpoints/${generatedId}/secret`)).json.secret, patchedSecret);
    await stop();
    await assertNowhereAtRest([chosenSecret, rotatedSecret, patchedSecret], 'after rotation and PATCH (stopped)');
  });

  test('a different key, or none, refuses to start with a message naming HERALD_SECRET_KEY', async () => {
    await assert.rejects(start({ HERALD_SECRET_KEY: OTHER_KEY }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, /HERALD_SECRET_KEY is not the key/);
      assert.ok(!error.message.includes(OTHER_KEY) && !error.message.includes(KEY), 'the message quotes no key');
      return true;
    });
    await assert.rejects(start({}), (error: unknown) => error instanceof ConfigError && /HERALD_SECRET_KEY is not set/.test(error.message));
  });

  test('restarted with the right key, everything still reads and signs', async () => {
    h = await start();
    assert.equal((await api().get(`/v1/endpoints/${chosenId}/secret`)).json.secret, rotatedSecret);
    assert.equal((await api().get(`/v1/endpoints/${legacyId}/secret`)).json.secret, legacySecret);
    const list = await api().get('/v1/endpoints');
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes('whsec_') && !list.text.includes('enc:v1'), 'endpoint JSON carries no secret');
    const request = await deliverOnce(chosenId, 'restarted-1');
    assert.ok(verifies(rotatedSecret, request) && verifies(chosenSecret, request));
  });
});
