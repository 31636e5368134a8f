import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { eventually, type ApiClient } from '../support/herald.ts';
import { dropSchemas, newSchemaName, postgresSkipReason, urlWithSchema } from '../support/postgres.ts';
import { freePort, startServerProcess, type ServerProcess } from '../crash/server-process.ts';
import { startReceiver, startWorkerProcess, type WorkerProcess } from './cluster-support.ts';

// Scale-out's acceptance test: one API process and three worker processes (`node src/main.ts`, as
// `npm start` runs it) on one PostgreSQL schema. 3,000 events are published through the API; one
// worker is killed with SIGKILL once about a third has arrived. Every accepted event must be delivered
// and logged as succeeded; duplicates can only come from the killed worker's attempts in flight or
// answered but not yet recorded: at most 2 × its concurrency (README, "The at-least-once window").

const EVENTS = 3000;
const BATCH = 500;
const CONCURRENCY = 16;

const skip = await postgresSkipReason();

test('one API and three worker processes on one schema: a kill -9 of a worker loses nothing', { skip, timeout: 60_000 }, async (t) => {
  const schema = newSchemaName();
  const workers: WorkerProcess[] = [];
  const receiver = await startReceiver({ minMs: 5, maxMs: 30, pids: () => workers.map((w) => w.proc.pid ?? -1) });
  let api: ServerProcess | null = null;
  t.after(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await api?.stop('SIGKILL');
    await receiver.close();
    await dropSchemas([schema]);
  });
  const env = {
    HERALD_DATABASE_URL: urlWithSchema(schema, undefined, { pool_size: '4' }),
    HERALD_API_KEY: `hk_cluster_${Math.random().toString(36).slice(2)}`,
    HERALD_ALLOW_HTTP: 'true',
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms',
    HERALD_CONCURRENCY: String(CONCURRENCY),
    HERALD_API_RATE_LIMIT: '0',
  };

  // 1. The API process first (it migrates the schema), then three workers.
  api = await startServerProcess({ ...env, HERALD_ROLE: 'api', HERALD_PORT: String(await freePort()) });
  const client = api.api;
  workers.push(...(await Promise.all([1, 2, 3].map(() => startWorkerProcess(env)))));
  const endpoints: string[] = [];
  for (const type of ['order.created', 'order.paid']) {
    const endpoint = await client.post('/v1/endpoints', { url: `${receiver.base}/${type}`, event_types: [type], timeout_ms: 2000 });
    assert.equal(endpoint.status, 201, endpoint.text);
    endpoints.push(endpoint.json.id);
  }

  // 2. Publish in batches while, beside it, the first worker is killed once a third has arrived.
  const victim = workers[0]!;
  const startedAt = Date.now();
  let kill: { at: number; arrived: number; distinct: number } | null = null;
  const killer = (async () => {
    const third = await eventually(() => receiver.received.size >= EVENTS / 3, 30_000, 5);
    assert.ok(third, `only ${receiver.received.size} events arrived in 30 s:\n${workers.map((w) => w.output()).join('\n')}`);
    await victim.stop('SIGKILL');
    kill = { at: Date.now(), arrived: receiver.receipts, distinct: receiver.received.size };
  })();
  killer.catch(() => undefined); // awaited below; this only keeps a failure from being unhandled meanwhile
  const accepted = new Set<string>();
  for (let offset = 0; offset < EVENTS; offset += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => ({ type: (offset + i) % 2 === 0 ? 'order.created' : 'order.paid', payload: { n: offset + i } }));
    const response = await client.post('/v1/events/batch', { events });
    assert.equal(response.status, 202, response.text);
    for (const event of response.json.data) accepted.add(event.id);
  }
  const publishedMs = Date.now() - startedAt;
  assert.equal(accepted.size, EVENTS);
  await killer;
  const killed = kill as { at: number; arrived: number; distinct: number } | null;
  assert.ok(killed);
  assert.ok(killed.distinct < EVENTS, `the kill came too late: ${killed.distinct} of ${EVENTS} had arrived`);

  // 3. The survivors keep going at once (well before the killed worker's leases, timeout + 10 s, end).
  const progressed = await eventually(() => receiver.received.size >= killed.distinct + 300, 5_000, 10);
  assert.ok(progressed, `delivery stalled after the kill: ${receiver.received.size} distinct, ${killed.distinct} at the kill`);

  // 4. Every delivery ends succeeded (the killed worker's in-flight ones after their lease ends).
  const succeededCount = async () => (await client.get('/v1/deliveries?status=succeeded&count=true&limit=1')).json?.meta?.total;
  const allSucceeded = await eventually(async () => (await succeededCount()) === EVENTS, 35_000, 200);
  const doneMs = Date.now() - killed.at;
  const unfinished = (await client.get('/v1/deliveries?status=queued,delivering,pending_retry,failed_permanent&count=true&limit=20')).json;
  assert.ok(allSucceeded, `${unfinished.meta.total} deliveries unfinished ${doneMs} ms after the kill: ${unfinished.data.map((d: { status: string }) => d.status).join(', ')}`);
  assert.equal(unfinished.meta.total, 0);
  assert.equal((await client.get('/v1/deliveries?count=true&limit=1')).json.meta.total, EVENTS, 'one delivery per event, no more');
  for (const id of endpoints) {
    assert.equal((await client.get(`/v1/deliveries?endpoint_id=${id}&status=succeeded&count=true&limit=1`)).json.meta.total, EVENTS / 2);
  }
  assert.equal((await client.get('/v1/logs?status=succeeded&count=true&limit=1')).json.meta.total >= EVENTS, true);
  assert.equal((await deliveriesWithSucceededLog(client)).size, EVENTS, 'every delivery has a succeeded log entry');

  // 5. Every accepted event arrived at least once, and nothing else did.
  assert.deepEqual([...accepted].filter((id) => !receiver.received.has(id)), [], 'events lost');
  assert.deepEqual([...receiver.received.keys()].filter((id) => !accepted.has(id)), [], 'no unknown webhook-ids');
  const duplicates = receiver.receipts - receiver.received.size;
  // A slot is freed when the receiver answers, and claims go on while up to `concurrency` outcomes wait
  // for their group commit: what the killed worker had sent but not recorded is at most twice that.
  const mostDuplicates = 2 * CONCURRENCY;

  // 6. The work was spread: every worker process sent requests (socket owners, where /proc tells them).
  const perWorker = workers.map((w) => receiver.byPid.get(w.proc.pid ?? -1) ?? 0);
  const attributed = perWorker.reduce((sum, n) => sum + n, 0);
  if (existsSync('/proc/net/tcp')) {
    assert.ok(attributed >= receiver.receipts * 0.9, `only ${attributed} of ${receiver.receipts} requests traced to a worker process`);
    for (const [i, n] of perWorker.entries()) assert.ok(n > 0, `worker ${i + 1} sent nothing: ${perWorker.join(', ')}`);
  }
  for (const worker of workers.slice(1)) assert.equal(worker.proc.exitCode, null, `a surviving worker exited:\n${worker.output()}`);

  // 7. A clean stop of every role.
  for (const worker of workers.slice(1)) {
    await worker.stop('SIGTERM');
    assert.equal(worker.proc.exitCode, 0, worker.output());
  }
  await api.stop('SIGTERM');
  assert.equal(api.proc.exitCode, 0, api.output());

  const report =
    `published ${EVENTS} in ${publishedMs} ms; kill -9 of worker 1 after ${killed.distinct}/${EVENTS} events arrived; ` +
    `all succeeded ${doneMs} ms after the kill; ${receiver.receipts} receipts, ${duplicates} duplicates (at most ${mostDuplicates}); ` +
    `requests per worker ${perWorker.join(' / ')}${existsSync('/proc/net/tcp') ? '' : ' (no /proc: not traced)'}`;
  t.diagnostic(report);
  assert.ok(duplicates <= mostDuplicates, `${duplicates} duplicates: more than the killed worker's ${CONCURRENCY} attempts in flight and ${CONCURRENCY} being recorded`);
});

/** The ids of deliveries with at least one `succeeded` log entry, read page by page. */
async function deliveriesWithSucceededLog(api: ApiClient): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await api.get(`/v1/logs?status=succeeded&limit=500&fields=delivery_id${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200, page.text);
    for (const entry of page.json.data as Array<{ delivery_id: string }>) ids.add(entry.delivery_id);
    cursor = page.json.meta.next_cursor;
  } while (cursor);
  return ids;
}
