import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs } from '../../test/chaos/support/probes.ts';
import { startHerald, waitForSucceeded } from '../lib/processes.ts';

export interface DeliveryOptions {
  url: string;
  events: number;
  concurrency: number;
  payload: unknown;
  /** Node flags for the Herald process, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

export interface DeliveryResult {
  perS: number;
  /** CPU time of the Herald process per delivery (all its threads), µs: the cost, whatever the machine's load. */
  cpuUsPerDelivery: number;
}

/**
 * Scenario 2: Herald (`node src/main.ts`, SQLite, one process) gets `events` events published in
 * batches of 500 to one endpoint; timed from the first publish until every delivery has succeeded and
 * its attempt is in the log. Deliveries/s.
 */
export async function deliveryThroughput(options: DeliveryOptions): Promise<DeliveryResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const herald = await startHerald({
    HERALD_DATABASE_URL: join(dataDir, 'herald.db'),
    HERALD_CONCURRENCY: String(options.concurrency),
    HERALD_RETRY_SCHEDULE: '100ms', // a failure under load is retried at once, not in 5 minutes
  }, options.nodeArgs);
  try {
    await herald.api('POST', '/v1/endpoints', { url: `${options.url}/hook` });
    const cpuNow = () => cpuMs(herald.pid) ?? Number.NaN; // Linux /proc
    const cpuBefore = cpuNow();
    const started = performance.now();
    for (let sent = 0; sent < options.events; sent += 500) {
      const events = Array.from({ length: Math.min(500, options.events - sent) }, () => ({ type: 'bench.event', payload: options.payload }));
      await herald.api('POST', '/v1/events/batch', { events });
    }
    await waitForSucceeded(herald, options.events);
    const perS = options.events / ((performance.now() - started) / 1000);
    return { perS, cpuUsPerDelivery: ((cpuNow() - cpuBefore) * 1000) / options.events };
  } finally {
    await herald.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
