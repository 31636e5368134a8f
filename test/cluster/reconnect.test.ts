import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, type ApiResponse } from '../support/herald.ts';
import { dropSchemas, newSchemaName, postgresSkipReason, TEST_DATABASE_URL, urlWithSchema, withAdminClient } from '../support/postgres.ts';
import { freePort, startServerProcess, type ServerProcess } from '../crash/server-process.ts';
import { startPgProxy, startReceiver, type PgProxy } from './cluster-support.ts';

// PostgreSQL goes away under a steady publish load, twice: first its server sessions are terminated
// (pg_terminate_backend, only the ones that came through this test's proxy), then it becomes
// unreachable for a few seconds (the proxy stops accepting). Herald (`node src/main.ts`, role all)
// must come back by itself each time, say so on /readyz meanwhile, answer publishes it cannot
// store with the contract's error shape, and deliver every event it answered 202.

const skip = await postgresSkipReason();

interface PublishResult {
  at: number;
  status: number;
  code?: string;
}

test('Herald survives terminated sessions and an unreachable PostgreSQL, losing no accepted event', { skip, timeout: 60_000 }, async (t) => {
  const schema = newSchemaName();
  const target = new URL(TEST_DATABASE_URL);
  const proxy: PgProxy = await startPgProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const receiver = await startReceiver({ minMs: 0, maxMs: 5 });
  let herald: ServerProcess | null = null;
  let loading = true;
  let load: Promise<void> = Promise.resolve();
  t.after(async () => {
    loading = false;
    await load.catch(() => undefined);
    await herald?.stop('SIGKILL');
    await proxy.close();
    await receiver.close();
    await dropSchemas([schema]);
  });
  const viaProxy = new URL(urlWithSchema(schema, undefined, { pool_size: '4' }));
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  herald = await startServerProcess({
    HERALD_PORT: String(await freePort()),
    HERALD_DATABASE_URL: viaProxy.toString(),
    HERALD_API_KEY: `hk_reconnect_${Math.random().toString(36).slice(2)}`,
    HERALD_ALLOW_HTTP: 'true',
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms',
    HERALD_API_RATE_LIMIT: '0',
  });
  const { api } = herald;
  const endpoint = await api.post('/v1/endpoints', { url: `${receiver.base}/hook`, timeout_ms: 2000 });
  assert.equal(endpoint.status, 201, endpoint.text);

  // A steady load: one batch of 5 events every ~20 ms, all through the test.
  const accepted = new Set<string>();
  const results: PublishResult[] = [];
  let n = 0;
  load = (async () => {
    while (loading) {
      const events = Array.from({ length: 5 }, () => ({ type: 'tick', payload: { n: n++ } }));
      const response: ApiResponse | null = await api.post('/v1/events/batch', { events }).catch(() => null);
      const at = Date.now();
      if (response === null) results.push({ at, status: 0 });
      else {
        results.push({ at, status: response.status, ...(response.json?.error?.code ? { code: response.json.error.code } : {}) });
        if (response.status === 202) for (const event of response.json.data) accepted.add(event.id);
        else {
          assert.equal(typeof response.json?.error?.code, 'string', `not the error shape: ${response.text}`);
          assert.equal(response.json?.meta?.request_id, response.headers.get('x-request-id'));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  load.catch(() => undefined); // awaited below; a failed assertion in it must not go unhandled meanwhile
  const acceptedAfter = (since: number) => results.some((r) => r.at > since && r.status === 202);
  await eventually(() => accepted.size >= 50, 5_000);

  // 1. Terminate Herald's sessions (those that came through the proxy: pool and LISTEN connection).
  const ports = proxy.upstreamPorts();
  assert.ok(ports.length >= 2, `expected Herald's connections through the proxy, saw ${ports.length}`);
  const terminatedAt = Date.now();
  const terminated = await withAdminClient(async (client) =>
    (await client.query(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'herald' AND client_port = ANY($1::int[])`,
      [ports],
    )).rows[0].n as number);
  assert.ok(terminated >= 2, `terminated ${terminated} sessions`);
  assert.ok(await eventually(() => acceptedAfter(terminatedAt + 200), 5_000), 'publishes did not succeed again within 5 s of the sessions ending');
  const backAfterTerminateMs = results.find((r) => r.at > terminatedAt + 200 && r.status === 202)!.at - terminatedAt;
  const afterTerminate = countBy(results.filter((r) => r.at > terminatedAt && r.at <= terminatedAt + backAfterTerminateMs).map((r) => `${r.status}${r.code ? ` ${r.code}` : ''}`));
  for (const r of results.filter((r) => r.at > terminatedAt && r.status !== 202)) assert.equal(r.code, 'SERVICE_UNAVAILABLE', `after terminating sessions: ${JSON.stringify(afterTerminate)}`);

  // 2. PostgreSQL unreachable for 3 s: /readyz says 503, publishes fail with a 5xx in the error shape.
  const readyz: number[] = [];
  const downAt = Date.now();
  await proxy.down();
  const outageEnds = Date.now() + 3_000;
  while (Date.now() < outageEnds) {
    readyz.push((await api.get('/readyz').catch(() => null))?.status ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const upAt = Date.now();
  await proxy.up();
  const ready = await eventually(async () => (await api.get('/readyz').catch(() => null))?.status === 200, 10_000, 100);
  const readyAfterMs = Date.now() - upAt;
  assert.ok(ready, `/readyz not 200 within 10 s of PostgreSQL coming back:\n${herald.output().slice(-2000)}`);
  assert.ok(readyz.includes(503), `/readyz never answered 503 while PostgreSQL was unreachable: ${readyz.join(',')}`);
  assert.ok(await eventually(() => acceptedAfter(upAt), 5_000), 'publishes did not succeed again within 5 s of PostgreSQL coming back');
  const duringOutage = results.filter((r) => r.at > downAt + 100 && r.at < upAt);
  assert.ok(duringOutage.length > 0, 'no publish was tried during the outage');
  const outageStatuses = countBy(duringOutage.map((r) => `${r.status}${r.code ? ` ${r.code}` : ''}`));
  for (const r of duringOutage) assert.ok(r.status === 202 || r.status >= 500, `a publish during the outage got ${r.status} ${r.code ?? ''}`);
  assert.equal(duringOutage.filter((r) => r.status === 202).length, 0, 'a publish was accepted while PostgreSQL was unreachable');
  for (const r of duringOutage) assert.equal(r.code, 'SERVICE_UNAVAILABLE', `during the outage: ${JSON.stringify(outageStatuses)}`);

  // 3. Stop the load; every event that got a 202 is delivered.
  await new Promise((resolve) => setTimeout(resolve, 500));
  loading = false;
  await load;
  const succeeded = async () => (await api.get('/v1/deliveries?status=succeeded&count=true&limit=1')).json?.meta?.total;
  const allDelivered = await eventually(async () => (await succeeded()) === accepted.size, 20_000, 100);
  assert.ok(allDelivered, `${await succeeded()} of ${accepted.size} accepted events delivered`);
  assert.deepEqual([...accepted].filter((id) => !receiver.received.has(id)), [], 'accepted events never received');
  assert.equal(herald.proc.exitCode, null, 'Herald exited');
  await herald.stop('SIGTERM');
  assert.equal(herald.proc.exitCode, 0, herald.output());

  const report =
    `${results.length} publishes, ${accepted.size} events accepted and all delivered; terminated ${terminated} sessions: ` +
    `publishing again after ${backAfterTerminateMs} ms (publishes meanwhile ${JSON.stringify(afterTerminate)}); PostgreSQL unreachable ${upAt - downAt} ms: /readyz ${JSON.stringify(countBy(readyz.map(String)))}, ` +
    `publishes ${JSON.stringify(outageStatuses)}; ready again ${readyAfterMs} ms after it came back`;
  t.diagnostic(report);
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
