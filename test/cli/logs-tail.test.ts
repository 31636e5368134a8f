import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHerald, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { collect, spawnHerald } from './cli-process.ts';

let th: TestHerald;
let receiver: Receiver;

before(async () => {
  [th, receiver] = await Promise.all([startTestHerald(), startReceiver()]);
  await th.api.post('/v1/endpoints', { url: `${receiver.base}/ok`, event_types: ['order.*'] });
  await th.api.post('/v1/endpoints', { url: `${receiver.base}/fail`, event_types: ['order.*'], max_attempts: 1 });
});
after(async () => {
  await th?.close();
  await receiver?.close();
});

/** Starts `herald logs tail …`, waits until it is following, and returns its output. */
async function tail(args: string[], env: Record<string, string> = {}) {
  const child = spawnHerald(['logs', 'tail', ...args], { HERALD_URL: th.url, HERALD_API_KEY: th.key, ...env });
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  await stderr.waitFor('following new log entries');
  const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, stdout, stderr, exited };
}

test('logs tail prints each new entry as it is recorded, and nothing from before it started', async () => {
  await th.api.post('/v1/events', { type: 'order.created', payload: { order: 'before-tail' } });
  await receiver.waitForRequests(2);
  const plain = await tail([]);
  const json = await tail(['--json', '--status', 'failed']);
  try {
    await th.api.post('/v1/events', { type: 'order.paid', payload: { order: 'o_1' } });
    const text = await plain.stdout.waitFor(/order\.paid.*\n.*order\.paid/);
    assert.match(text, new RegExp(`^\\d{2}:\\d{2}:\\d{2}\\.\\d{3}  succeeded +200 +\\d+ ms  #1  order\\.paid  ${receiver.base}/ok  log_[0-9a-f]{32}$`, 'm'));
    assert.match(text, new RegExp(`^\\d{2}:\\d{2}:\\d{2}\\.\\d{3}  failed +500 +\\d+ ms  #1  order\\.paid  ${receiver.base}/fail  log_[0-9a-f]{32}  HTTP_STATUS$`, 'm'));
    assert.doesNotMatch(text, /order\.created/, 'the tail starts at now');
    assert.doesNotMatch(text, /\x1b\[/, 'no colour when stdout is not a terminal');

    const line = await json.stdout.waitFor('\n');
    const entry = JSON.parse(line.split('\n')[0]!);
    assert.equal(entry.status, 'failed');
    assert.equal(entry.event_type, 'order.paid');
    assert.equal(entry.endpoint_url, `${receiver.base}/fail`);
  } finally {
    plain.child.kill('SIGINT');
    json.child.kill('SIGINT');
  }
  assert.notEqual(await plain.exited, null);
  await json.exited;
  assert.equal(json.stdout.text().trimEnd().split('\n').length, 1, 'the --status failed tail saw only the failure');
});

test('logs tail --after 0 replays the log first, then follows', async () => {
  const replay = await tail(['--after', '0', '--event-type', 'order.created', '--json']);
  try {
    const text = await replay.stdout.waitFor(/\n[^\n]*\n/);
    const entries = text.trimEnd().split('\n').map((line) => JSON.parse(line) as { event_type: string; status: string });
    assert.deepEqual(entries.map((entry) => entry.event_type), ['order.created', 'order.created']);
    assert.deepEqual(entries.map((entry) => entry.status).sort(), ['failed', 'succeeded']);
  } finally {
    replay.child.kill('SIGINT');
  }
  await replay.exited;
});

test('logs tail colours by status when forced, and never with NO_COLOR', async () => {
  const coloured = await tail([], { FORCE_COLOR: '1' });
  const plain = await tail([], { FORCE_COLOR: '1', NO_COLOR: '1' });
  try {
    await th.api.post('/v1/events', { type: 'order.shipped', payload: { order: 'o_2' } });
    const text = await coloured.stdout.waitFor(/order\.shipped[^\n]*\n[^\n]*order\.shipped/);
    assert.match(text, /\x1b\[32msucceeded *\x1b\[39m  \x1b\[32m200\x1b\[39m/, 'succeeded in green');
    assert.match(text, /\x1b\[31mfailed *\x1b\[39m  \x1b\[31m500\x1b\[39m/, 'failed for good in red');
    const uncoloured = await plain.stdout.waitFor(/order\.shipped[^\n]*\n[^\n]*order\.shipped/);
    assert.doesNotMatch(uncoloured, /\x1b\[/);
  } finally {
    coloured.child.kill('SIGINT');
    plain.child.kill('SIGINT');
  }
  await Promise.all([coloured.exited, plain.exited]);
});
