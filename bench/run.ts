import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config.ts';
import { startHerald } from '../src/herald.ts';

// `npm run bench` (`-- --quick` for a short pass): each figure is a ratio against a baseline measured
// in the same run on the same machine, so results compare across machines. Traffic stays on 127.0.0.1.

const quick = process.argv.includes('--quick');
const EVENTS = quick ? 5_000 : 20_000;
const CONCURRENCY = 64;
const PAYLOAD = JSON.stringify({ data: 'x'.repeat(1000) }); // ≈1 KiB

interface Row {
  scenario: string;
  value: number;
  unit: string;
  ratio: string;
}

async function startReceiver(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'receiver.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, process: child };
}

/** Scenario 1, the ceiling: plain undici POSTs at the same concurrency, nothing persisted. */
async function ceiling(url: string): Promise<number> {
  const agent = new Agent({ connections: 16 });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        next += 1;
        const response = await request(url, { method: 'POST', body: PAYLOAD, headers: { 'content-type': 'application/json' }, dispatcher: agent });
        await response.body.dump();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return EVENTS / seconds;
}

/** Scenario 2: publish in batches of 500, time until every delivery succeeded and its attempt is logged. */
async function deliveryThroughput(url: string): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const key = 'hk_bench';
  const config = loadConfig({
    HERALD_PORT: '0',
    HERALD_DATABASE_URL: join(dataDir, 'herald.db'),
    HERALD_API_KEY: key,
    HERALD_ALLOW_HTTP: 'true',
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_CONCURRENCY: String(CONCURRENCY),
    HERALD_RETRY_SCHEDULE: '100ms', // a failure under load is retried at once, not in 5 minutes
  });
  const herald = await startHerald({ config, logger: pino({ level: 'warn' }) });
  const api = async (path: string, body?: unknown) => {
    const response = await fetch(herald.url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.json() as Promise<{ meta?: { total?: number } }>;
  };
  try {
    await api('/v1/endpoints', { url: `${url}/hook` });
    const started = performance.now();
    for (let sent = 0; sent < EVENTS; sent += 500) {
      const events = Array.from({ length: Math.min(500, EVENTS - sent) }, (_, i) => ({ type: 'bench.event', payload: { n: sent + i, data: 'x'.repeat(1000) } }));
      await api('/v1/events/batch', { events });
    }
    const deadline = Date.now() + 300_000;
    for (;;) {
      const done = await api('/v1/deliveries?status=succeeded&count=true&limit=1');
      if ((done.meta?.total ?? 0) >= EVENTS) break;
      if (Date.now() > deadline) throw new Error(`only ${done.meta?.total} of ${EVENTS} delivered after 5 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return EVENTS / ((performance.now() - started) / 1000);
  } finally {
    await herald.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const receiver = await startReceiver();
const rows: Row[] = [];
try {
  const ceilingRate = await ceiling(receiver.url);
  rows.push({ scenario: '1. ceiling: plain undici POSTs, nothing stored', value: Math.round(ceilingRate), unit: 'requests/s', ratio: '1.00 (baseline)' });
  const herald = await deliveryThroughput(receiver.url);
  rows.push({ scenario: '2. Herald delivery: publish → delivered and logged', value: Math.round(herald), unit: 'deliveries/s', ratio: `${(herald / ceilingRate).toFixed(2)} of ceiling` });
} finally {
  receiver.process.kill('SIGTERM');
}

const table = [
  `Herald bench, ${new Date().toISOString()}, ${EVENTS} events, concurrency ${CONCURRENCY}${quick ? ' (quick)' : ''}`,
  '',
  '| scenario | value | unit | ratio |',
  '|---|---:|---|---|',
  ...rows.map((r) => `| ${r.scenario} | ${r.value} | ${r.unit} | ${r.ratio} |`),
].join('\n');
console.log(table);
const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(resultsDir, `${stamp}.json`), JSON.stringify({ at: new Date().toISOString(), quick, events: EVENTS, concurrency: CONCURRENCY, rows }, null, 2));
writeFileSync(join(resultsDir, `${stamp}.md`), `${table}\n`);

// Scenario 8: the same delivery measure on PostgreSQL, with 1 and 2 worker processes (its own script,
// since it runs Herald as separate processes); skipped with its reason when no PostgreSQL answers.
const postgres = spawn(process.execPath, [join(import.meta.dirname, 'postgres-throughput.ts'), ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
const [code] = (await once(postgres, 'exit')) as [number | null];
if (code !== 0) console.log('PostgreSQL scenario not run (see above); `npm run bench:postgres` runs it alone.');
process.exit(0);
