import { join } from 'node:path';
import { memoryOf, sleep, startHerald } from '../lib/processes.ts';

export interface MemoryResult {
  /** RSS of the process once started, before it delivers anything (the baseline), MB. */
  idleMb: number;
  /** Peak RSS (VmHWM) while delivering, MB. */
  peakMb: number;
  /** Deliveries finished during the measured window. */
  delivered: number;
  seconds: number;
}

/**
 * Scenario 7, memory: Herald (`HERALD_ROLE=all`) starts on `dataDir`, which holds many due deliveries
 * (left by scenario 6) to an endpoint whose receiver answers 5 MiB bodies; for `seconds` it delivers
 * while /proc/<pid>/status is read every 100 ms. Reports the peak (VmHWM) beside the RSS at start.
 */
export async function memory(options: { dataDir: string; seconds: number; concurrency: number }): Promise<MemoryResult> {
  // The worker claims as soon as it starts: the idle figure is read from an API-only start on the same data.
  const idle = await startHerald({ HERALD_DATABASE_URL: join(options.dataDir, 'herald.db'), HERALD_ROLE: 'api' });
  await sleep(500);
  const idleMb = memoryOf(idle.pid).rssMb;
  await idle.stop();

  const herald = await startHerald({ HERALD_DATABASE_URL: join(options.dataDir, 'herald.db'), HERALD_CONCURRENCY: String(options.concurrency) });
  let peakMb = 0;
  try {
    const started = performance.now();
    while (performance.now() - started < options.seconds * 1000) {
      peakMb = Math.max(peakMb, memoryOf(herald.pid).peakMb);
      await sleep(100);
    }
    const done = await herald.api<{ meta: { total: number } }>('GET', '/v1/deliveries?status=succeeded&count=true&limit=1');
    peakMb = Math.max(peakMb, memoryOf(herald.pid).peakMb);
    return { idleMb, peakMb, delivered: done.meta.total, seconds: options.seconds };
  } finally {
    await herald.stop();
  }
}
