import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Agent, request } from 'undici';

// Scenario 3, "what a user would build instead" of Herald: a BullMQ queue on Redis, and a BullMQ worker
// at the same concurrency that POSTs each job's payload with undici and INSERTs every attempt into
// PostgreSQL (status, duration, response body), one autocommitted INSERT per attempt. No signing, no
// retries beyond BullMQ's, no search index: deliberately the simple thing.
//
// Run as its own process (`node bench/baselines/bullmq-dispatcher.ts --url U --events N --concurrency C`,
// as bench/run.ts does): it publishes the events with `addBulk` in batches of 500, times from the first
// publish until every job has completed, prints one JSON line `{"perSecond": …}`, and cleans up (the
// queue is obliterated, its PostgreSQL schema dropped). Redis: BENCH_REDIS_URL (redis://127.0.0.1:6379);
// PostgreSQL: HERALD_TEST_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test).

const arg = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1]!;
};
const url = arg('url', 'http://127.0.0.1:9000');
const events = Number(arg('events', '5000'));
const concurrency = Number(arg('concurrency', '64'));
const payload = JSON.stringify({ data: 'x'.repeat(1000) });
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = process.env.HERALD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const suffix = randomBytes(4).toString('hex');
const schema = `bench_bullmq_${suffix}`;
const queueName = `bench-webhooks-${suffix}`;

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
try {
  await connection.connect();
  await pool.query('SELECT 1');
} catch (error) {
  console.log(JSON.stringify({ skipped: `Redis (${redisUrl}) or PostgreSQL (${databaseUrl}) not reachable: ${error instanceof Error ? error.message : String(error)}` }));
  process.exit(0);
}

await pool.query(`CREATE SCHEMA ${schema}`);
await pool.query(`CREATE TABLE ${schema}.attempts (
  id bigserial PRIMARY KEY, job_id text NOT NULL, url text NOT NULL, http_status integer, error text,
  duration_ms integer NOT NULL, response_body text, created_at timestamptz NOT NULL DEFAULT now())`);
const insert = `INSERT INTO ${schema}.attempts (job_id, url, http_status, error, duration_ms, response_body) VALUES ($1, $2, $3, $4, $5, $6)`;

const agent = new Agent({ connections: 16 });
const queue = new Queue(queueName, { connection });
let completed = 0;
let finish: () => void = () => {};
const allDone = new Promise<void>((resolve) => (finish = resolve));

const worker = new Worker(
  queueName,
  async (job) => {
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    let body = '';
    try {
      const response = await request(`${url}/hook`, {
        method: 'POST', body: job.data.payload as string, dispatcher: agent,
        headers: { 'content-type': 'application/json', 'webhook-id': String(job.id) },
      });
      status = response.statusCode;
      body = await response.body.text();
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    await pool.query(insert, [job.id, url, status, error, Math.round(performance.now() - started), body]);
    if (error !== null || status === null || status >= 300) throw new Error(error ?? `HTTP ${status}`);
  },
  { connection: connection.duplicate(), concurrency, removeOnComplete: { count: 0 }, removeOnFail: { count: 0 } },
);
worker.on('completed', () => {
  completed += 1;
  if (completed === events) finish();
});
await worker.waitUntilReady();

const started = performance.now();
for (let sent = 0; sent < events; sent += 500) {
  const count = Math.min(500, events - sent);
  await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'webhook', data: { n: sent + i, payload }, opts: { attempts: 8, backoff: { type: 'exponential', delay: 100 } } })));
}
await allDone;
const seconds = (performance.now() - started) / 1000;
const logged = Number((await pool.query(`SELECT count(*) AS n FROM ${schema}.attempts WHERE http_status = 200`)).rows[0].n);

await worker.close();
await queue.obliterate({ force: true });
await queue.close();
await agent.close();
await pool.query(`DROP SCHEMA ${schema} CASCADE`);
await pool.end();
connection.disconnect();
console.log(JSON.stringify({ perSecond: events / seconds, logged }));
process.exit(0);
