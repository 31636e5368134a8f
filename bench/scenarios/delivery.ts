import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMsOfPids, cpuWindow, mainThreadCpuMs, ownCpuMs, type CpuAccount } from '../lib/cpu.ts';
import { startHerald, waitForSucceeded } from '../lib/processes.ts';
import type { SqlCost } from '../lib/sql-costs.ts';

export interface DeliveryOptions {
  url: string;
  /** The receiver's process, whose CPU time is counted apart. */
  receiverPid: number;
  events: number;
  concurrency: number;
  payload: unknown;
  /** Node flags for the Herald process, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Time every SQLite call of Herald's main thread (bench/lib/sql-costs.ts); a little slower. */
  sqlCosts?: boolean;
}

export interface DeliveryResult {
  perS: number;
  /** CPU time of the Herald process per delivery (all its threads), µs: the cost, whatever the machine's load. */
  cpuUsPerDelivery: number;
  /** The machine over the run: how busy, and the CPU time of Herald, the receiver and the bench (the publisher). */
  cpu: CpuAccount;
  /** Herald's main thread (every SQLite write, the HTTP of publishing and sending): µs a delivery, and busy 0…1 of the run. */
  mainThreadUsPerDelivery: number;
  mainThreadBusy: number;
  /** With `sqlCosts`: each statement's calls and time over the whole run (setup included, a few ms), most time first. */
  sqlCosts?: SqlCost[];
}

/**
 * Scenario 2: Herald (`node src/main.ts`, SQLite, one process) gets `events` events published in
 * batches of 500 to one endpoint; timed from the first publish until every delivery has succeeded and
 * its attempt is in the log. Deliveries/s.
 */
export async function deliveryThroughput(options: DeliveryOptions): Promise<DeliveryResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const costsFile = join(dataDir, 'sql-costs.json');
  const herald = await startHerald({
    HERALD_DATABASE_URL: join(dataDir, 'herald.db'),
    HERALD_CONCURRENCY: String(options.concurrency),
    HERALD_RETRY_SCHEDULE: '100ms', // a failure under load is retried at once, not in 5 minutes
    ...(options.sqlCosts ? { HERALD_BENCH_SQL_COSTS: costsFile } : {}),
  }, [...(options.nodeArgs ?? []), ...(options.sqlCosts ? ['--import', join(import.meta.dirname, '..', 'lib', 'sql-costs.ts')] : [])]);
  let result: DeliveryResult | undefined;
  try {
    await herald.api('POST', '/v1/endpoints', { url: `${options.url}/hook` });
    const endCpu = cpuWindow({ herald: () => cpuMsOfPids([herald.pid]), receiver: () => cpuMsOfPids([options.receiverPid]), bench: ownCpuMs });
    const mainBefore = mainThreadCpuMs(herald.pid);
    const started = performance.now();
    for (let sent = 0; sent < options.events; sent += 500) {
      const events = Array.from({ length: Math.min(500, options.events - sent) }, () => ({ type: 'bench.event', payload: options.payload }));
      await herald.api('POST', '/v1/events/batch', { events });
    }
    await waitForSucceeded(herald, options.events);
    const elapsedMs = performance.now() - started;
    const mainMs = mainThreadCpuMs(herald.pid) - mainBefore;
    const cpu = endCpu();
    result = {
      perS: options.events / (elapsedMs / 1000),
      cpuUsPerDelivery: (cpu.partsMs.herald! * 1000) / options.events,
      cpu,
      mainThreadUsPerDelivery: (mainMs * 1000) / options.events,
      mainThreadBusy: mainMs / elapsedMs,
    };
  } finally {
    await herald.stop();
    // The costs are written when Herald exits.
    if (result && existsSync(costsFile)) result.sqlCosts = JSON.parse(readFileSync(costsFile, 'utf8')) as SqlCost[];
    rmSync(dataDir, { recursive: true, force: true });
  }
  return result!;
}
