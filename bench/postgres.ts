import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startServerProcess, type ServerProcess } from '../test/crash/server-process.ts';
import { startWorkerProcess, type WorkerProcess } from '../test/cluster/cluster-support.ts';
import { dropSchemas, newSchemaName, postgresSkipReason, TEST_DATABASE_URL, urlWithSchema } from '../test/support/postgres.ts';

// `npm run bench:postgres` (`-- --quick` for 2,000 events): delivery throughput on PostgreSQL with one
// API process and 1, then 2, worker processes (`node src/main.ts`, HERALD_ROLE=worker), all on one
// fresh schema of HERALD_TEST_DATABASE_URL, delivering to a receiver in its own process. Publishes
// 10,000 events in batches of 500 and times until every delivery has succeeded.
// Writes bench/results/postgres-<iso>.{json,md}.

const quick = process.argv.includes('--quick');
const EVENTS = quick ? 2_000 : 10_000;
const BATCH = 500;
const CONCURRENCY = 64;
const PAYLOAD = { data: 'x'.repeat(1000) }; // ≈1 KiB

const unavailable = await postgresSkipReason();
if (unavailable) {
  console.error(`bench:postgres: ${unavailable}`);
  process.exit(1);
}

const receiverProcess = spawn(process.execPath, [join(import.meta.dirname, 'receiver.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
const [portChunk] = (await once(receiverProcess.stdout!, 'data')) as [Buffer];
const receiverUrl = `http://127.0.0.1:${portChunk.toString().trim()}/hook`;

interface Run {
  workers: number;
  publishMs: number;
  deliveredMs: number;
  perSecond: number;
}

async function run(workerCount: number): Promise<Run> {
  const schema = newSchemaName();
  const env = {
    HERALD_DATABASE_URL: urlWithSchema(schema, TEST_DATABASE_URL, { pool_size: '10' }),
    HERALD_API_KEY: 'hk_bench_postgres',
    HERALD_ALLOW_HTTP: 'true',
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_CONCURRENCY: String(CONCURRENCY),
    HERALD_API_RATE_LIMIT: '0',
  };
  let api: ServerProcess | null = null;
  const workers: WorkerProcess[] = [];
  try {
    api = await startServerProcess({ ...env, HERALD_ROLE: 'api', HERALD_PORT: String(await freePort()) });
    for (let i = 0; i < workerCount; i += 1) workers.push(await startWorkerProcess(env));
    const endpoint = await api.api.post('/v1/endpoints', { url: receiverUrl, timeout_ms: 5000 });
    if (endpoint.status !== 201) throw new Error(endpoint.text);
    const started = performance.now();
    for (let offset = 0; offset < EVENTS; offset += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, EVENTS - offset) }, () => ({ type: 'bench.event', payload: PAYLOAD }));
      const response = await api.api.post('/v1/events/batch', { events });
      if (response.status !== 202) throw new Error(`publish: ${response.status} ${response.text.slice(0, 300)}`);
    }
    const publishMs = performance.now() - started;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const total = (await api.api.get('/v1/deliveries?status=succeeded&count=true&limit=1')).json?.meta?.total;
      if (total === EVENTS) break;
      if (Date.now() > deadline) throw new Error(`only ${total} of ${EVENTS} delivered after 5 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const deliveredMs = performance.now() - started;
    return { workers: workerCount, publishMs: Math.round(publishMs), deliveredMs: Math.round(deliveredMs), perSecond: Math.round(EVENTS / (deliveredMs / 1000)) };
  } finally {
    for (const worker of workers) await worker.stop('SIGTERM');
    await api?.stop('SIGTERM');
    await dropSchemas([schema]);
  }
}

const runs: Run[] = [];
try {
  for (const workers of [1, 2]) {
    const result = await run(workers);
    runs.push(result);
    console.log(`${workers} worker(s): ${EVENTS} events published in ${result.publishMs} ms, all delivered in ${result.deliveredMs} ms → ${result.perSecond}/s`);
  }
} finally {
  receiverProcess.kill('SIGTERM');
}
const ratio = runs[1]!.perSecond / runs[0]!.perSecond;
const table = [
  `PostgreSQL delivery throughput: ${EVENTS} events (≈1 KiB) in batches of ${BATCH}, HERALD_CONCURRENCY=${CONCURRENCY}, pool_size=10, one API process`,
  '',
  '| worker processes | publish (ms) | all succeeded (ms) | deliveries/s |',
  '|---|---|---|---|',
  ...runs.map((r) => `| ${r.workers} | ${r.publishMs} | ${r.deliveredMs} | ${r.perSecond} |`),
  '',
  `2 workers / 1 worker: ${ratio.toFixed(2)}×`,
].join('\n');
console.log(`\n${table}`);
const stamp = new Date().toISOString().replaceAll(':', '-').replaceAll('.', '-');
const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, `postgres-${stamp}.json`), JSON.stringify({ at: new Date().toISOString(), quick, events: EVENTS, batch: BATCH, concurrency: CONCURRENCY, runs, ratio }, null, 2));
writeFileSync(join(resultsDir, `postgres-${stamp}.md`), `${table}\n`);
