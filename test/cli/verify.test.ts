import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestHerald, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver, type RecordedRequest } from '../support/receiver.ts';
import { herald } from './cli-process.ts';

// `herald verify` checks what Herald really sent: a real delivery to a real receiver, then the CLI.

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let th: TestHerald;
let receiver: Receiver;
let received: RecordedRequest;
let bodyFile: string;

before(async () => {
  [th, receiver] = await Promise.all([startTestHerald(), startReceiver()]);
  await th.api.post('/v1/endpoints', { url: `${receiver.base}/ok`, secret: SECRET });
  await th.api.post('/v1/events', { type: 'invoice.paid', payload: { invoice: 'in_7', note: 'héllo' } });
  [received] = (await receiver.waitForRequests(1)) as [RecordedRequest];
  bodyFile = join(th.dataDir, 'body.json');
  writeFileSync(bodyFile, received.body);
});
after(async () => {
  await th?.close();
  await receiver?.close();
});

function signatureHeaders(request: RecordedRequest): string[] {
  return ['webhook-id', 'webhook-timestamp', 'webhook-signature'].flatMap((name) => ['--header', `${name}: ${String(request.headers[name])}`]);
}

test('a webhook Herald delivered verifies with its endpoint secret', async () => {
  const result = await herald(['verify', '--secret', SECRET, '--body-file', bodyFile, ...signatureHeaders(received)]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `valid: webhook ${received.headers['webhook-id']} was signed with this secret\n`);

  const viaEnvAndStdin = await herald(['verify', '--body-file', '-', '--id', String(received.headers['webhook-id']),
    '--timestamp', String(received.headers['webhook-timestamp']), '--signature', String(received.headers['webhook-signature']), '--json'],
  { env: { HERALD_WEBHOOK_SECRET: SECRET }, input: received.body });
  assert.equal(viaEnvAndStdin.code, 0, viaEnvAndStdin.stderr);
  assert.equal(JSON.parse(viaEnvAndStdin.stdout).valid, true);
});

test('a tampered body, another secret or a forged id is invalid (exit 1)', async () => {
  const tamperedFile = join(th.dataDir, 'tampered.json');
  writeFileSync(tamperedFile, received.body.replace('in_7', 'in_8'));
  const [tampered, otherSecret, forgedId] = await Promise.all([
    herald(['verify', '--secret', SECRET, '--body-file', tamperedFile, ...signatureHeaders(received)]),
    herald(['verify', '--secret', `whsec_${randomBytes(32).toString('base64')}`, '--body-file', bodyFile, ...signatureHeaders(received)]),
    herald(['verify', '--secret', SECRET, '--body-file', bodyFile, ...signatureHeaders(received), '--id', 'evt_forged', '--json']),
  ]);
  assert.equal(tampered.code, 1);
  assert.match(tampered.stdout, /^invalid: no signature matches: /);
  assert.equal(otherSecret.code, 1);
  assert.equal(forgedId.code, 1);
  assert.equal(JSON.parse(forgedId.stdout).valid, false);
});

test('a raw saved request verifies; an old timestamp needs --ignore-timestamp', async () => {
  const raw = [`POST /ok HTTP/1.1`, ...Object.entries(received.headers).map(([name, value]) => `${name}: ${String(value)}`), '', received.body].join('\r\n');
  const requestFile = join(th.dataDir, 'request.txt');
  writeFileSync(requestFile, raw);
  const fromRequest = await herald(['verify', '--secret', SECRET, '--request', requestFile]);
  assert.equal(fromRequest.code, 0, fromRequest.stdout + fromRequest.stderr);

  // Re-signed by Herald's rules with a timestamp an hour old: the signature is right, the age is not.
  const { Webhook } = await import('standardwebhooks');
  const old = Math.floor(Date.now() / 1000) - 3600;
  const signature = new Webhook(SECRET).sign('evt_old', new Date(old * 1000), received.body);
  const oldArgs = ['verify', '--secret', SECRET, '--body-file', bodyFile, '--id', 'evt_old', '--timestamp', String(old), '--signature', signature];
  const tooOld = await herald(oldArgs);
  assert.equal(tooOld.code, 1);
  assert.match(tooOld.stdout, /more than 5 minutes old.*--ignore-timestamp/);
  const ignored = await herald([...oldArgs, '--ignore-timestamp']);
  assert.equal(ignored.code, 0, ignored.stdout);
  const ignoredButTampered = await herald([...oldArgs.slice(0, -2), '--signature', signature.replace(/.{4}=$/, 'AAAA='), '--ignore-timestamp']);
  assert.equal(ignoredButTampered.code, 1);
});

test('verify says what is missing (exit 2)', async () => {
  const noSecret = await herald(['verify', '--body-file', bodyFile, ...signatureHeaders(received)]);
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /missing --secret/);
  const noHeaders = await herald(['verify', '--secret', SECRET, '--body', '{}']);
  assert.equal(noHeaders.code, 2);
  assert.match(noHeaders.stderr, /missing the webhook-id, webhook-timestamp, webhook-signature headers/);
  assert.match(noHeaders.stderr, /^usage: herald verify /m);
});
