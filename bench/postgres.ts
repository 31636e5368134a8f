import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { freePort, startServerProcess, type ServerProcess } from '../test/crash/server-process.ts';
import { startWorkerProcess, type WorkerProcess } from '../test/cluster/cluster-support.ts';
import { dropSchemas, newSchemaName, postgresSkipReason, TEST_DATABASE_URL, urlWithSchema } from '../test/support/postgres.ts';
import { cpuMsOfPids, cpuMsOfProcessesNamed, cpuWindow, ownCpuMs, type CpuAccount } from './lib/cpu.ts';
import { percentile, publishLatencies, sleep, startReceiver } from './lib/processes.ts';

// `npm run bench:postgres` (`-- --quick`: one short round; `-- --rounds N`): scenario 8, Herald on
// PostgreSQL with one API process and 1, then 2, worker processes (`node src/main.ts`, HERALD_ROLE=worker),
// each run on a fresh schema of HERALD_TEST_DATABASE_URL, delivering to a receiver in its own process.
// - Throughput (scenario 2): 10,000 events published in batches of 500, timed until every delivery has
//   succeeded. Rounds of 1 then 2 workers, interleaved; the ratio is of the medians, since on a small
//   shared machine one run of either can be 30 % off its neighbours. Over each round, how busy the
//   machine was and each process's CPU time a delivery (`lib/cpu.ts`): with one worker already keeping
//   the machine X busy, a second one can add at most 1/X, whatever Herald does.
// - Latency (scenario 4): an open loop of 500 single publishes a second for 20 s; per event, the client
//   reading the 202 → the receiver seeing the request head, p50 and p99; also without the events of the
//   first 3 s (a Herald just started is slower), and how long each publish took to be answered; with
//   how busy the machine was and each process's CPU time an event.
// Writes bench/results/postgres-<iso>.{json,md}.

const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg !== -1 ? Math.max(1, Number(process.argv[roundsArg + 1])) : quick ? 1 : 3;
const EVENTS = quick ? 2_000 : 10_000;
const BATCH = 500;
const CONCURRENCY = 64;
const LATENCY_RATE = 500;
const LATENCY_SECONDS = quick ? 5 : 20;
const PAYLOAD = { data: 'x'.repeat(1000) }; // ≈1 KiB
const API_KEY = 'hk_bench_postgres';

const unavailable = await postgresSkipReason();
if (unavailable) {
  console.error(`bench:postgres: ${unavailable}`);
  process.exit(1);
}

const receiver = await startReceiver();

interface Throughput {
  workers: number;
  publishMs: number;
  deliveredMs: number;
  perSecond: number;
  cpu: CpuAccount;
}

interface Latency {
  workers: number;
  p50: number;
  p99: number;
  count: number;
  /** The same without the events sent in the first 3 s after the processes started. */
  settledP50: number;
  settledP99: number;
  /** Publish sent → its 202 read, of every publish and without the first 3 s. */
  answerP50: number;
  answerP99: number;
  settledAnswerP50: number;
  settledAnswerP99: number;
  /** Over the open loop and until the last event arrived. */
  cpu: CpuAccount;
}

/** One API process and `workerCount` workers on a fresh schema, with one endpoint at the receiver. */
async function withCluster<T>(workerCount: number, work: (api: ServerProcess, apiUrl: string, workers: WorkerProcess[]) => Promise<T>): Promise<T> {
  const schema = newSchemaName();
  const env = {
    HERALD_DATABASE_URL: urlWithSchema(schema, TEST_DATABASE_URL, { pool_size: '10' }),
    HERALD_API_KEY: API_KEY,
    HERALD_ALLOW_HTTP: 'true',
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_CONCURRENCY: String(CONCURRENCY),
    HERALD_API_RATE_LIMIT: '0',
  };
  let api: ServerProcess | null = null;
  const workers: WorkerProcess[] = [];
  try {
    const port = await freePort();
    api = await startServerProcess({ ...env, HERALD_ROLE: 'api', HERALD_PORT: String(port) });
    for (let i = 0; i < workerCount; i += 1) workers.push(await startWorkerProcess(env));
    const endpoint = await api.api.post('/v1/endpoints', { url: `${receiver.url}/hook`, timeout_ms: 5000 });
    if (endpoint.status !== 201) throw new Error(endpoint.text);
    return await work(api, `http://127.0.0.1:${port}`, workers);
  } finally {
    for (const worker of workers) await worker.stop('SIGTERM');
    await api?.stop('SIGTERM');
    await dropSchemas([schema]);
  }
}

/** A CPU window (`lib/cpu.ts`) over the machine, the PostgreSQL server, the API, the workers, the receiver and this process. */
function clusterCpuWindow(api: ServerProcess, workers: WorkerProcess[]): () => CpuAccount {
  const apiPid = api.proc.pid!;
  const workerPids = workers.map((worker) => worker.proc.pid!);
  return cpuWindow({
    postgres: () => cpuMsOfProcessesNamed('postgres'),
    api: () => cpuMsOfPids([apiPid]),
    workers: () => cpuMsOfPids(workerPids),
    receiver: () => cpuMsOfPids([receiver.pid]),
    bench: ownCpuMs,
  });
}

async function throughput(workerCount: number): Promise<Throughput> {
  return withCluster(workerCount, async (api, _apiUrl, workers) => {
    const endCpu = clusterCpuWindow(api, workers);
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
      await sleep(50);
    }
    const deliveredMs = performance.now() - started;
    const cpu = endCpu();
    return { workers: workerCount, publishMs: Math.round(publishMs), deliveredMs: Math.round(deliveredMs), perSecond: Math.round(EVENTS / (deliveredMs / 1000)), cpu };
  });
}

async function latency(workerCount: number): Promise<Latency> {
  return withCluster(workerCount, async (api, apiUrl, workers) => {
    const agent = new Agent({ connections: 64 });
    const endCpu = clusterCpuWindow(api, workers);
    try {
      const { values, settledValues, answers, settledAnswers, accepted } = await publishLatencies({
        apiUrl, apiKey: API_KEY, receiver, ratePerS: LATENCY_RATE, seconds: LATENCY_SECONDS, payload: PAYLOAD, dispatcher: agent,
      });
      if (values.length < accepted) throw new Error(`latency: ${accepted - values.length} of ${accepted} events not delivered within 30 s`);
      return {
        workers: workerCount, p50: percentile(values, 50), p99: percentile(values, 99), count: values.length,
        settledP50: percentile(settledValues, 50), settledP99: percentile(settledValues, 99),
        answerP50: percentile(answers, 50), answerP99: percentile(answers, 99),
        settledAnswerP50: percentile(settledAnswers, 50), settledAnswerP99: percentile(settledAnswers, 99),
        cpu: endCpu(),
      };
    } finally {
      await agent.close();
    }
  });
}

const median = (values: number[]): number => percentile(values, 50);
const percent = (fraction: number): string => `${(fraction * 100).toFixed(0)} %`;
const CPU_PARTS = ['postgres', 'api', 'workers', 'receiver', 'bench', 'other'];
/** CPU time a delivery (µs) of each part, and of the whole machine, over one run of `events`. */
const cpuPerDelivery = (cpu: CpuAccount, events: number): string[] =>
  [...CPU_PARTS.map((part) => cpu.partsMs[part] ?? Number.NaN), cpu.busyMs].map((ms) => ((ms * 1000) / events).toFixed(0));
const rounds: Throughput[][] = [];
const latencies: Latency[] = [];
try {
  for (let round = 1; round <= ROUNDS; round += 1) {
    const pair: Throughput[] = [];
    for (const workers of [1, 2]) {
      const result = await throughput(workers);
      pair.push(result);
      console.error(`round ${round}, ${workers} worker(s): ${EVENTS} events published in ${result.publishMs} ms, all delivered in ${result.deliveredMs} ms → ${result.perSecond}/s, machine ${percent(result.cpu.machineBusy)} busy`);
    }
    rounds.push(pair);
  }
  for (const workers of [1, 2]) {
    const result = await latency(workers);
    latencies.push(result);
    console.error(`latency, ${workers} worker(s): ${result.count} events at ${LATENCY_RATE}/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (after 3 s: ${result.settledP50.toFixed(1)} / ${result.settledP99.toFixed(1)} ms), machine ${percent(result.cpu.machineBusy)} busy`);
  }
} finally {
  await receiver.stop();
}
const one = median(rounds.map(([single]) => single!.perSecond));
const two = median(rounds.map(([, pair]) => pair!.perSecond));
const ratio = two / one;
const busyOne = median(rounds.map(([single]) => single!.cpu.machineBusy));
const busyTwo = median(rounds.map(([, pair]) => pair!.cpu.machineBusy));
const table = [
  `PostgreSQL, one API process, HERALD_CONCURRENCY=${CONCURRENCY}, pool_size=10`,
  '',
  `Throughput: ${EVENTS} events (≈1 KiB) in batches of ${BATCH}, ${ROUNDS} round(s) of 1 then 2 worker processes`,
  '',
  '| round | worker processes | publish (ms) | all succeeded (ms) | deliveries/s | machine busy | CPU µs a delivery: PostgreSQL | API | workers | receiver | bench | other | machine |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rounds.flatMap((pair, index) => pair.map((r) =>
    `| ${index + 1} | ${r.workers} | ${r.publishMs} | ${r.deliveredMs} | ${r.perSecond} | ${percent(r.cpu.machineBusy)} | ${cpuPerDelivery(r.cpu, EVENTS).join(' | ')} |`)),
  '',
  `Medians: 1 worker ${one}/s, 2 workers ${two}/s; 2 workers / 1 worker: ${ratio.toFixed(2)}×`,
  `The machine (${rounds[0]?.[0]?.cpu.cores ?? '?'} cores) was ${percent(busyOne)} busy with 1 worker and ${percent(busyTwo)} with 2 (medians):`,
  `at the same CPU a delivery, a second worker could add at most ${(1 / busyOne).toFixed(2)}× on this machine.`,
  '',
  `Latency: ${LATENCY_RATE} single publishes/s for ${LATENCY_SECONDS} s (the processes just started), publish accepted → receiver first byte;`,
  'then the same without the events sent in the first 3 s, and how long the publishes took to be answered (202 read)',
  '',
  '| worker processes | events | p50 (ms) | p99 (ms) | after 3 s: p50 | p99 | publish answered: p50 | p99 | after 3 s: p50 | p99 |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...latencies.map((l) => `| ${l.workers} | ${l.count} | ${[l.p50, l.p99, l.settledP50, l.settledP99, l.answerP50, l.answerP99, l.settledAnswerP50, l.settledAnswerP99].map((ms) => ms.toFixed(1)).join(' | ')} |`),
  '',
  'The same runs: how busy the machine was, and the CPU time an event (single publish and its delivery)',
  '',
  '| worker processes | machine busy | CPU µs an event: PostgreSQL | API | workers | receiver | bench | other | machine |',
  '|---|---|---|---|---|---|---|---|---|',
  ...latencies.map((l) => `| ${l.workers} | ${percent(l.cpu.machineBusy)} | ${cpuPerDelivery(l.cpu, l.count).join(' | ')} |`),
].join('\n');
console.log(`\n${table}`);
const stamp = new Date().toISOString().replaceAll(':', '-').replaceAll('.', '-');
const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, `postgres-${stamp}.json`),
  JSON.stringify({ at: new Date().toISOString(), quick, events: EVENTS, batch: BATCH, concurrency: CONCURRENCY, rounds, medians: { one, two }, ratio, machineBusy: { one: busyOne, two: busyTwo }, latency: { rate: LATENCY_RATE, seconds: LATENCY_SECONDS, runs: latencies } }, null, 2),
);
writeFileSync(join(resultsDir, `postgres-${stamp}.md`), `${table}\n`);
