import { cpus, totalmem } from 'node:os';
import { runFullDisk } from './scenarios/full-disk.ts';
import { runHangStorm } from './scenarios/hang-storm.ts';
import { runKillRounds } from './scenarios/kill-rounds.ts';
import { runSoak } from './scenarios/soak.ts';
import { resultsReport, resultsTable, writeResults, type ScenarioResult } from './support/results.ts';

// `npm run test:chaos`: the long versions of the crash, full-disk, soak and hang-storm scenarios, one
// after the other (each starts its own `node src/main.ts` on loopback and cleans up after itself).
// Prints the table and writes it with the figures to test/chaos/results/<date>.md (<date>-<scenarios>.md for a subset); exits 1 when any
// promise broke. Knobs (environment):
//   CHAOS_SCENARIOS        comma list of kill, full-disk, soak, storm (default all)
//   CHAOS_KILL_ROUNDS      kill -9 rounds (default 20)
//   CHAOS_SOAK_MS          soak duration in ms (default 180000)
//   CHAOS_SOAK_RATE        soak events per second (default 150)
//   CHAOS_STORM_ENDPOINTS  hanging endpoints (default 10000)
//   CHAOS_STORM_MS         how long they hang (default 45000)

const env = process.env;
const wanted = new Set((env.CHAOS_SCENARIOS ?? 'kill,full-disk,soak,storm').split(',').map((s) => s.trim()));
const number = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const log = (line: string) => console.log(`  ${line}`);

const scenarios: Array<[string, () => Promise<ScenarioResult>]> = [
  ['kill', () => runKillRounds({ rounds: number('CHAOS_KILL_ROUNDS', 20), log })],
  ['full-disk', () => runFullDisk({ fullForMs: 5000, log })],
  ['soak', () => runSoak({ durationMs: number('CHAOS_SOAK_MS', 180_000), ratePerS: number('CHAOS_SOAK_RATE', 150), log })],
  ['storm', () => runHangStorm({ endpoints: number('CHAOS_STORM_ENDPOINTS', 10_000), stormMs: number('CHAOS_STORM_MS', 45_000), log })],
];

const results: ScenarioResult[] = [];
for (const [name, run] of scenarios) {
  if (!wanted.has(name)) continue;
  console.log(`▶ ${name}`);
  try {
    const result = await run();
    results.push(result);
    for (const figure of result.figures) log(figure);
    for (const failure of result.failures) log(`FAILED: ${failure}`);
    if (result.skipped) log(`skipped: ${result.skipped}`);
  } catch (error) {
    console.error(error);
    results.push({ scenario: name, load: '–', faults: '–', badInputs: '–', lost: Number.NaN, figures: [], failures: [`crashed: ${error instanceof Error ? error.message.slice(0, 500) : String(error)}`], durationMs: 0 });
  }
}

const header = [
  `# Herald chaos run, ${new Date().toISOString()}`,
  '',
  `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; loopback only.`,
  `Knobs: ${['CHAOS_SCENARIOS', 'CHAOS_KILL_ROUNDS', 'CHAOS_SOAK_MS', 'CHAOS_SOAK_RATE', 'CHAOS_STORM_ENDPOINTS', 'CHAOS_STORM_MS'].map((k) => `${k}=${env[k] ?? 'default'}`).join(', ')}.`,
].join('\n');
console.log(`\n${resultsTable(results)}\n`);
console.log(`written to ${writeResults(resultsReport(results, header), env.CHAOS_SCENARIOS ? `-${[...wanted].join('-')}` : '')}`);
process.exitCode = results.some((r) => r.failures.length > 0 || r.lost > 0 || Number.isNaN(r.lost)) ? 1 : 0;
