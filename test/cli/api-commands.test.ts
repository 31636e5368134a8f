import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, startTestHerald, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { herald, type CliResult } from './cli-process.ts';

// The API commands against a real Herald and a real receiver, run as a child process like a user would.

let th: TestHerald;
let receiver: Receiver;
let cli: (...args: string[]) => Promise<CliResult>;

before(async () => {
  [th, receiver] = await Promise.all([startTestHerald(), startReceiver()]);
  const env = { HERALD_URL: th.url, HERALD_API_KEY: th.key };
  cli = (...args) => herald(args, { env });
});
after(async () => {
  await th?.close();
  await receiver?.close();
});

function ok(result: CliResult): CliResult {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

/** Waits until the log holds `n` entries for the filter, read through the API (not the CLI under test). */
async function logEntries(query: string, n: number): Promise<Array<Record<string, unknown>>> {
  const entries = await eventually(async () => {
    const data = (await th.api.get(`/v1/logs?${query}`)).json.data as Array<Record<string, unknown>>;
    return data.length >= n ? data : null;
  });
  assert.ok(entries, `the log never held ${n} entries for ${query}`);
  return entries;
}

describe('herald CLI against a running Herald', () => {
  let endpointId = '';
  let eventId = '';
  let logId = '';

  test('endpoints create prints the endpoint; --json prints the API body', async () => {
    const table = ok(await cli('endpoints', 'create', `${receiver.base}/ok`, '--event-type', 'invoice.*', '--description', 'billing'));
    assert.match(table.stdout, /^ID\s+URL\s+EVENT TYPES\s+STATE\s+CREATED$/m);
    assert.match(table.stdout, new RegExp(`ep_[0-9a-f]{32}\\s+${receiver.base}/ok\\s+invoice\\.\\*\\s+enabled`));
    const json = JSON.parse(ok(await cli('endpoints', 'create', `${receiver.base}/fail`, '--event-type', 'report.*', '--max-attempts', '1', '--json')).stdout);
    assert.equal(json.url, `${receiver.base}/fail`);
    assert.equal(json.max_attempts, 1);
    endpointId = /ep_[0-9a-f]{32}/.exec(table.stdout)![0];
  });

  test('events send publishes, and the receiver gets the payload', async () => {
    const sent = ok(await cli('events', 'send', 'invoice.paid', '--payload', '{"invoice":"in_1","amount":4200}', '--tag', 'customer=c_9'));
    assert.match(sent.stdout, /^published evt_[0-9a-f]{32} \(invoice\.paid\) to 1 endpoint$/m);
    assert.match(sent.stdout, new RegExp(`dlv_[0-9a-f]{32}\\s+${endpointId}`));
    eventId = /evt_[0-9a-f]{32}/.exec(sent.stdout)![0];
    const [request] = await receiver.waitForRequests(1);
    assert.equal(request!.body, '{"invoice":"in_1","amount":4200}');
    assert.equal(request!.headers['webhook-id'], eventId);
  });

  test('events send reads the payload from stdin and honours --idempotency-key', async () => {
    const run = () => herald(['events', 'send', 'report.ready', '--payload-file', '-', '--idempotency-key', 'report-1', '--json'], {
      env: { HERALD_URL: th.url, HERALD_API_KEY: th.key },
      input: '{"report":"r_1"}',
    });
    const first = JSON.parse(ok(await run()).stdout);
    const again = JSON.parse(ok(await run()).stdout);
    assert.equal(again.id, first.id, 'the same Idempotency-Key answers the first event');
    assert.equal(first.deliveries.length, 1);
  });

  test('logs list prints a table, --json the API page, and filters narrow it', async () => {
    await logEntries(`event_id=${eventId}`, 1);
    await logEntries('status=failed', 1);
    const table = ok(await cli('logs', 'list'));
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+CREATED\s+STATUS\s+HTTP\s+DURATION\s+TRY\s+EVENT TYPE\s+ENDPOINT\s+ERROR$/);
    assert.equal(lines.length, 3, table.stdout);
    assert.match(table.stdout, /log_[0-9a-f]{32}\s+\S+Z\s+succeeded\s+200\s+\d+ ms\s+1\s+invoice\.paid/);
    assert.match(table.stdout, /failed\s+500\s+.*report\.ready.*HTTP_STATUS/);
    assert.doesNotMatch(table.stdout, /\x1b\[/, 'no colour when stdout is not a terminal');

    const page = JSON.parse(ok(await cli('logs', 'list', '--status', 'succeeded', '--tag', 'customer=c_9', '--since', '1h', '--json')).stdout);
    assert.equal(page.data.length, 1);
    assert.equal(page.data[0].event_id, eventId);
    assert.equal(typeof page.meta.request_id, 'string');
    logId = page.data[0].id;

    const none = ok(await cli('logs', 'list', '--endpoint-id', endpointId, '--status', 'failed'));
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /no log entries/);

    const paged = ok(await cli('logs', 'list', '--limit', '1', '--search', 'in_1'));
    assert.match(paged.stdout, new RegExp(logId));
    const more = ok(await cli('logs', 'list', '--limit', '1'));
    assert.match(more.stderr, /more: add --cursor \S+/);
  });

  test('logs show prints the attempt with its request and response', async () => {
    const shown = ok(await cli('logs', 'show', logId));
    assert.match(shown.stdout, new RegExp(`^id\\s+${logId}$`, 'm'));
    assert.match(shown.stdout, /^status\s+succeeded$/m);
    assert.match(shown.stdout, /^http status\s+200$/m);
    assert.match(shown.stdout, new RegExp(`^Request: POST ${receiver.base}/ok$`, 'm'));
    assert.match(shown.stdout, /"invoice": "in_1"/, 'JSON bodies are pretty-printed');
    assert.match(shown.stdout, /^Response: 200$/m);
    assert.match(shown.stdout, /"received": true/);
    const json = JSON.parse(ok(await cli('logs', 'show', logId, '--json')).stdout);
    assert.equal(json.id, logId);
    assert.equal(json.request.body, '{"invoice":"in_1","amount":4200}');
  });

  test('logs retry queues a manual attempt that shows as attempt 2', async () => {
    const retried = ok(await cli('logs', 'retry', logId));
    assert.match(retried.stdout, /^queued a manual attempt of dlv_[0-9a-f]{32} \(now queued\)$/m);
    const entries = await logEntries(`event_id=${eventId}&trigger=manual`, 1);
    assert.equal(entries[0]!.attempt, 2);
    const bulk = ok(await cli('logs', 'retry', '--status', 'failed', '--event-type', 'report.ready'));
    assert.match(bulk.stdout, /^queued 1 delivery for a manual attempt$/m);
  });

  test('logs export streams every entry as NDJSON, or CSV to a file, with progress on stderr', async () => {
    const total = (await th.api.get('/v1/logs?count=true&limit=1')).json.meta.total as number;
    const ndjson = ok(await cli('logs', 'export'));
    const lines = ndjson.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string });
    assert.equal(lines.length, total);
    assert.ok(lines.some((entry) => entry.id === logId));
    assert.match(ndjson.stderr, new RegExp(`^exported ${total} log entries \\(ndjson\\) in [\\d.]+ s$`, 'm'));

    const file = join(th.dataDir, 'succeeded.csv');
    const csv = ok(await cli('logs', 'export', '--format', 'csv', '--status', 'succeeded', '-o', file));
    assert.equal(csv.stdout, '');
    const rows = readFileSync(file, 'utf8').trimEnd().split('\r\n');
    assert.match(rows[0]!, /^id,created_at,/);
    assert.equal(rows.length - 1, (await th.api.get('/v1/logs?status=succeeded&count=true&limit=1')).json.meta.total);
    assert.match(csv.stderr, new RegExp(`exported ${rows.length - 1} log (entry|entries) \\(csv\\) to ${file.replace(/[.]/g, '\\.')}`));
  });

  test('stats summarises the window; --json is the API body', async () => {
    const human = ok(await cli('stats', '--since', '1h'));
    assert.match(human.stdout, /^scope\s+workspace$/m);
    assert.match(human.stdout, /^success rate\s+\d+\.\d %$/m);
    assert.match(human.stdout, /^latency\s+p50 \d+ ms/m);
    const json = JSON.parse(ok(await cli('stats', '--endpoint-id', endpointId, '--json')).stdout);
    assert.equal(json.endpoint_id, endpointId);
    assert.ok(json.deliveries.succeeded >= 1);
  });

  test('endpoints list, update, test and delete', async () => {
    const list = ok(await cli('endpoints', 'list'));
    assert.match(list.stdout, new RegExp(`${endpointId}\\s+${receiver.base}/ok`));
    assert.match(ok(await cli('endpoints', 'update', endpointId, '--disable')).stdout, new RegExp(`${endpointId}.*disabled`));
    assert.match(ok(await cli('endpoints', 'update', endpointId, '--enable', '--event-type', 'invoice.paid,herald.test')).stdout, /invoice\.paid,herald\.test\s+enabled/);

    const tested = ok(await cli('endpoints', 'test', endpointId));
    assert.match(tested.stdout, /^sent herald\.test event evt_[0-9a-f]{32} as delivery dlv_[0-9a-f]{32}$/m);
    await logEntries(`endpoint_id=${endpointId}&event_type=herald.test&status=succeeded`, 1);

    const deleted = ok(await cli('endpoints', 'delete', endpointId));
    assert.equal(deleted.stdout, `deleted ${endpointId}\n`);
    assert.doesNotMatch(ok(await cli('endpoints', 'list')).stdout, new RegExp(endpointId));
  });

  test('endpoints recover re-queues failed_permanent deliveries and --wait follows them', async () => {
    // The /fail endpoint (max 1 attempt) has a failed_permanent delivery: point it at /ok, then recover.
    const failing = (await th.api.get('/v1/endpoints')).json.data.find((endpoint: { url: string }) => endpoint.url.endsWith('/fail'));
    const settled = await eventually(async () =>
      (await th.api.get(`/v1/deliveries?endpoint_id=${failing.id}&status=failed_permanent`)).json.data.length === 1
      && (await th.api.get(`/v1/logs?endpoint_id=${failing.id}&trigger=manual`)).json.data.length === 1);
    assert.ok(settled, 'the failing delivery never settled as failed_permanent');
    ok(await cli('endpoints', 'update', failing.id, '--url-to', `${receiver.base}/ok`));

    const recovered = ok(await cli('endpoints', 'recover', failing.id, '--since', '10m', '--wait'));
    assert.match(recovered.stderr, /^re-queued 1 delivery created from \S+Z to \S+Z$/m);
    assert.match(recovered.stdout, /^every re-queued delivery was attempted; in the window now: 1 succeeded, 0 pending_retry, 0 failed_permanent$/m);
    const again = JSON.parse(ok(await cli('endpoints', 'recover', failing.id, '--since', '10m', '--json')).stdout);
    assert.deepEqual(again, { queued: 0 });
  });

  test('API errors print the contract code and message and exit 1', async () => {
    const [missing, invalid, badFilter, wrongKey, flagOverridesEnv] = await Promise.all([
      cli('logs', 'show', 'log_00000000000000000000000000000000'),
      cli('endpoints', 'create', 'ftp://example.com/hook'),
      cli('logs', 'list', '--http-status', 'teapot'),
      herald(['endpoints', 'list'], { env: { HERALD_URL: th.url, HERALD_API_KEY: 'hk_wrong' } }),
      herald(['endpoints', 'list', '--api-key', th.key, '--url', th.url], { env: { HERALD_URL: 'http://127.0.0.1:9', HERALD_API_KEY: 'hk_wrong' } }),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^herald: LOG_NOT_FOUND: /);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^herald: VALIDATION_FAILED: .*\n {2}url: /);
    assert.equal(badFilter.code, 1);
    assert.match(badFilter.stderr, /^herald: INVALID_REQUEST: /);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /^herald: UNAUTHORIZED: /);
    assert.equal(flagOverridesEnv.code, 0, flagOverridesEnv.stderr);
  });
});
