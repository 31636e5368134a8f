import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiver } from './lib/processes.ts';
import { ceiling } from './scenarios/ceiling.ts';
import { deliveryThroughput } from './scenarios/delivery.ts';
import { ingest } from './scenarios/ingest.ts';
import { latency } from './scenarios/latency.ts';
import { memory } from './scenarios/memory.ts';

// `npm run bench` (`-- --quick` for a one-minute pass): each figure is a ratio against a baseline measured
// in the same run on the same machine, so results compare across machines. Traffic stays on 127.0.0.1.
// Herald runs as users run it (`node src/main.ts`, SQLite) in a child process; so do the receivers and
// the BullMQ baseline. Flags: `--quick`; `--only 1,2,3` (scenario numbers); `--profile` (the Herald
// processes of scenarios 2 and 6 write CPU profiles to bench/.profiles/); `--sql-costs` (scenario 2 times
// each SQLite statement of Herald's main thread, bench/lib/sql-costs.ts); `--no-postgres`.

const flags = process.argv.slice(2);
const quick = flags.includes('--quick');
const onlyArg = flags.indexOf('--only');
const only = onlyArg === -1 ? null : new Set(flags[onlyArg + 1]!.split(',').map(Number));
const runs = (scenario: number) => only === null || only.has(scenario);

const EVENTS = quick ? 5_000 : 50_000;
const CONCURRENCY = 64;
const PAYLOAD = { data: 'x'.repeat(1000) }; // ≈1 KiB
const LATENCY = { ratePerS: 500, seconds: quick ? 5 : 20 };
// Every publish leaves a due delivery for scenario 7: 10,000 × 3 single + 500 warm-up + 70,000 batched = 100,500 (quick: 79,500).
const INGEST = { singleRequests: quick ? 2_000 : 10_000, warmRequests: quick ? 5_000 : 10_000, batchEvents: 70_000 };
const MEMORY_SECONDS = quick ? 6 : 20;
const TARGETS = { ofCeiling: 0.5, ofBullmq: 1.5, p50Ms: 5, p99Ms: 25, singlePerS: 5_000, batchPerS: 30_000, peakMb: 250 };

interface Row {
  scenario: string;
  value: number;
  unit: string;
  ratio: string;
  target: string;
}
const rows: Row[] = [];
const add = (scenario: string, value: number, unit: string, ratio: string, target = '') => {
  rows.push({ scenario, value: Number(value.toFixed(value < 100 ? 1 : 0)), unit, ratio, target });
  console.error(`  ${scenario}: ${value.toFixed(1)} ${unit} (${ratio})`);
};
const met = (ok: boolean, text: string) => `${ok ? 'met' : 'NOT met'}: ${text}`;

const nodeArgs = flags.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${join(import.meta.dirname, '.profiles')}`] : [];
const receiver = await startReceiver();
try {
  let ceilingRate = Number.NaN;
  let heraldRate = Number.NaN;
  let ceilingClientUs = Number.NaN;
  if (runs(1) || runs(2) || runs(3)) {
    // After a warm-up (JIT of client and receiver), the better of two pool sizes (Herald's 16 per origin,
    // and one connection per request in flight): the ceiling is the machine's limit, not one setting's.
    const payload = JSON.stringify(PAYLOAD);
    await ceiling({ url: receiver.url, receiverPid: receiver.pid, events: 3000, concurrency: CONCURRENCY, connections: 16, payload });
    const tries = [];
    for (const connections of [16, CONCURRENCY]) tries.push(await ceiling({ url: receiver.url, receiverPid: receiver.pid, events: EVENTS, concurrency: CONCURRENCY, connections, payload }));
    const best = tries.reduce((a, b) => (b.perS > a.perS ? b : a));
    ceilingRate = best.perS;
    ceilingClientUs = best.clientCpuUs;
    add('1. ceiling: plain undici POSTs, nothing stored', ceilingRate, 'requests/s', '1.00 (baseline)');
    add('   CPU time a request of the ceiling\'s client (undici, this process)', best.clientCpuUs, 'µs', `the receiver's: ${best.receiverCpuUs.toFixed(0)} µs`);
  }
  if (runs(2)) {
    const delivered = await deliveryThroughput({ url: receiver.url, receiverPid: receiver.pid, events: EVENTS, concurrency: CONCURRENCY, payload: PAYLOAD, nodeArgs, sqlCosts: flags.includes('--sql-costs') });
    heraldRate = delivered.perS;
    const ratio = heraldRate / ceilingRate;
    add('2. Herald delivery: publish → delivered and logged', heraldRate, 'deliveries/s', `${ratio.toFixed(2)} of ceiling`, met(ratio >= TARGETS.ofCeiling, `≥ ${TARGETS.ofCeiling} of ceiling`));
    add('   Herald CPU time per delivery (all threads; publish, claim, send, log)', delivered.cpuUsPerDelivery, 'µs', 'cost: lower is better');
    add('   of which its main thread (every SQLite write, the HTTP of publishing and sending)', delivered.mainThreadUsPerDelivery, 'µs', `busy ${(delivered.mainThreadBusy * 100).toFixed(0)} % of the run`);
    // What the target leaves: at 0.5 of the ceiling, all the machine's cores have this much CPU time a
    // delivery, for Herald, the receiver and the publisher together.
    const { cpu } = delivered;
    const perDelivery = (ms: number) => (ms * 1000) / EVENTS;
    if (cpu.cores > 0) {
      const budgetUs = (cpu.cores * 1e6) / (TARGETS.ofCeiling * ceilingRate);
      add(`   the machine (${cpu.cores} cores) at ${TARGETS.ofCeiling} of the ceiling: CPU time a delivery for everything`, budgetUs, 'µs',
        `used: ${perDelivery(cpu.busyMs).toFixed(0)} µs (Herald ${perDelivery(cpu.partsMs.herald!).toFixed(0)}, receiver ${perDelivery(cpu.partsMs.receiver!).toFixed(0)}, publisher ${perDelivery(cpu.partsMs.bench!).toFixed(0)}, other ${perDelivery(cpu.partsMs.other!).toFixed(0)}); machine ${(cpu.machineBusy * 100).toFixed(0)} % busy`);
      if (delivered.sqlCosts) {
        // Herald's SQLite work, plus one request as cheap as the ceiling's client makes it, against what the
        // machine leaves Herald at the target beside the receiver and the publisher: what could be cut, and where.
        const sqlUs = perDelivery(delivered.sqlCosts.reduce((sum, cost) => sum + cost.ms, 0));
        const leftUs = budgetUs - perDelivery(cpu.partsMs.receiver!) - perDelivery(cpu.partsMs.bench!);
        add('   of which in SQLite calls on its main thread (--sql-costs: wall time of the synchronous calls)', sqlUs, 'µs',
          `SQLite ${sqlUs.toFixed(0)} + a request as cheap as the ceiling's client's ${ceilingClientUs.toFixed(0)} = ${(sqlUs + ceilingClientUs).toFixed(0)} µs, against ${leftUs.toFixed(0)} µs left for Herald at ${TARGETS.ofCeiling} of the ceiling`);
        for (const cost of delivered.sqlCosts.slice(0, 20)) {
          const us = perDelivery(cost.ms);
          if (us < 1) break;
          add(`      ${cost.sql.slice(0, 110).replaceAll('|', '\\|')}${cost.sql.length > 110 ? '…' : ''}`, us, 'µs', `${cost.calls} calls (${(cost.calls / EVENTS).toFixed(2)} a delivery), ${((cost.ms * 1000) / cost.calls).toFixed(1)} µs a call`);
        }
      }
    }
  }
  if (runs(3)) {
    const bullmq = await bullmqBaseline(receiver.url);
    if (typeof bullmq === 'string') {
      add(`3. BullMQ + undici + PostgreSQL dispatcher: not run (${bullmq})`, Number.NaN, 'deliveries/s', '');
    } else {
      add('3. BullMQ + undici + PostgreSQL dispatcher (bench/baselines/)', bullmq, 'deliveries/s', `${(bullmq / ceilingRate).toFixed(2)} of ceiling`);
      if (!Number.isNaN(heraldRate)) {
        const multiple = heraldRate / bullmq;
        add('   Herald ÷ BullMQ dispatcher', multiple, '×', `${multiple.toFixed(2)}× the BullMQ baseline`, met(multiple >= TARGETS.ofBullmq, `≥ ${TARGETS.ofBullmq}×`));
      }
    }
  }
  if (runs(4)) {
    const result = await latency({ receiver, ...LATENCY, concurrency: CONCURRENCY, payload: PAYLOAD });
    const label = `4. latency at ${LATENCY.ratePerS} events/s for ${LATENCY.seconds} s, publish accepted → receiver first byte`;
    add(`   direct POST at the same rate, sent → receiver first byte, p50 / p99`, result.direct.p50, 'ms', `p99 ${result.direct.p99.toFixed(1)} ms (baseline)`);
    add(`${label}, p50`, result.herald.p50, 'ms', `+${(result.herald.p50 - result.direct.p50).toFixed(1)} ms over direct`, met(result.herald.p50 <= TARGETS.p50Ms, `≤ ${TARGETS.p50Ms} ms`));
    add(`${label}, p99 (${result.herald.count} events)`, result.herald.p99, 'ms', `+${(result.herald.p99 - result.direct.p99).toFixed(1)} ms over direct`, met(result.herald.p99 <= TARGETS.p99Ms, `≤ ${TARGETS.p99Ms} ms`));
  }
  if (runs(6) || runs(7)) {
    const bigReceiver = await startReceiver(['--body-bytes', String(5 * 1024 * 1024)]);
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-ingest-'));
    try {
      const result = await ingest({ dataDir, endpointUrl: bigReceiver.url, receiverUrl: receiver.url, ...INGEST, payload: PAYLOAD, nodeArgs });
      add('6. ingest: bare node:http answering 202, concurrency 32', result.bareRequestsPerS, 'requests/s', '1.00 (baseline)');
      add('6. ingest: single-event publish, concurrency 32, first requests after start', result.singleColdPerS, 'requests/s', `${(result.singleColdPerS / result.bareRequestsPerS).toFixed(2)} of bare HTTP`);
      add('   Herald CPU time per single publish, first requests after start', result.singleColdCpuUs, 'µs', 'cost: lower is better');
      add(`6. ingest: single-event publish, concurrency 32, steady state (after ${INGEST.singleRequests + INGEST.warmRequests + 500} requests)`, result.singlePerS, 'requests/s', `${(result.singlePerS / result.bareRequestsPerS).toFixed(2)} of bare HTTP`, met(result.singlePerS >= TARGETS.singlePerS, `≥ ${TARGETS.singlePerS}/s`));
      add('   Herald CPU time per single publish', result.singleCpuUs, 'µs', 'cost: lower is better');
      add('6. ingest: batch publish (1,000 per request)', result.batchEventsPerS, 'events/s', `${(result.batchEventsPerS / result.bareRequestsPerS).toFixed(1)}× bare HTTP requests/s`, met(result.batchEventsPerS >= TARGETS.batchPerS, `≥ ${TARGETS.batchPerS}/s`));
      add('   Herald CPU time per event of a batch', result.batchCpuUsPerEvent, 'µs', 'cost: lower is better');
      if (runs(7)) {
        const mem = await memory({ dataDir, seconds: MEMORY_SECONDS, concurrency: CONCURRENCY });
        add(`7. memory: peak RSS, ${result.due} due deliveries, 5 MiB responses (${mem.delivered} delivered in ${mem.seconds} s)`, mem.peakMb, 'MB', `${(mem.peakMb / mem.idleMb).toFixed(2)}× idle RSS (${mem.idleMb.toFixed(0)} MB)`, met(mem.peakMb <= TARGETS.peakMb, `≤ ${TARGETS.peakMb} MB`));
      }
    } finally {
      await bigReceiver.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
} finally {
  await receiver.stop();
}

const table = [
  `Herald bench, ${new Date().toISOString()}, ${EVENTS} events of ≈1 KiB, concurrency ${CONCURRENCY}${quick ? ' (quick)' : ''}`,
  '',
  '| scenario | value | unit | ratio | target |',
  '|---|---:|---|---|---|',
  ...rows.map((r) => `| ${r.scenario} | ${Number.isNaN(r.value) ? '–' : r.value} | ${r.unit} | ${r.ratio} | ${r.target} |`),
].join('\n');
console.log(`\n${table}\n`);
const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(resultsDir, `${stamp}.json`), JSON.stringify({ at: new Date().toISOString(), quick, events: EVENTS, concurrency: CONCURRENCY, rows }, null, 2));
writeFileSync(join(resultsDir, `${stamp}.md`), `${table}\n`);

// Scenario 8: the same delivery measure on PostgreSQL, with 1 and 2 worker processes (its own script);
// skipped with its reason when no PostgreSQL answers.
if (only === null && !flags.includes('--no-postgres')) {
  const postgres = spawn(process.execPath, [join(import.meta.dirname, 'postgres.ts'), ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
  const [code] = (await once(postgres, 'exit')) as [number | null];
  if (code !== 0) console.log('PostgreSQL scenario not run (see above); `npm run bench:postgres` runs it alone.');
}
process.exit(0);

/**
 * Runs bench/baselines/bullmq-dispatcher.ts in its own process: deliveries/s, or why it did not run.
 * BullMQ and ioredis are the baseline's own dependencies (bench/baselines/package.json), installed
 * there on first use: they are not Herald's (and BullMQ's optional native parts are not on every registry).
 */
async function bullmqBaseline(url: string): Promise<number | string> {
  const baselines = join(import.meta.dirname, 'baselines');
  if (!existsSync(join(baselines, 'node_modules', 'bullmq'))) {
    const install = spawnSync('npm', ['install', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', baselines], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (install.status !== 0) return `could not install bench/baselines' dependencies: ${(install.stderr ?? '').trim().split('\n').at(-1) ?? ''}`;
  }
  const child = spawn(process.execPath, [join(import.meta.dirname, 'baselines', 'bullmq-dispatcher.ts'), '--url', url, '--events', String(EVENTS), '--concurrency', String(CONCURRENCY)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const line = output.trim().split('\n').at(-1) ?? '';
  try {
    const result = JSON.parse(line) as { perSecond?: number; skipped?: string };
    return result.perSecond ?? result.skipped ?? `exit ${code}`;
  } catch {
    return `exit ${code}: ${line.slice(0, 200)}`;
  }
}
