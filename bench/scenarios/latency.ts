import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { BENCH_KEY, openLoop, percentile, publishLatencies, startHerald, wallClock, type ReceiverProcess } from '../lib/processes.ts';

export interface LatencyOptions {
  receiver: ReceiverProcess;
  ratePerS: number;
  seconds: number;
  concurrency: number;
  payload: unknown;
}

export interface LatencyResult {
  /** Direct POSTs to the receiver at the same rate: send → receiver first byte (the baseline). */
  direct: { p50: number; p99: number };
  /** Herald: publish accepted (202 read by the client) → receiver first byte. */
  herald: { p50: number; p99: number; count: number };
}


/**
 * Scenario 4, latency: an open-loop stream of `ratePerS` events/s for `seconds` (each sent at its
 * scheduled time, whether or not earlier ones were answered) to a Herald process; per event, the time
 * from the client reading the 202 to the receiver seeing the request head (both wall clocks of this
 * machine). The baseline is the same open loop of plain undici POSTs straight to the receiver.
 */
export async function latency(options: LatencyOptions): Promise<LatencyResult> {
  const { receiver } = options;
  const body = JSON.stringify(options.payload);
  const agent = new Agent({ connections: 64 });

  // Baseline: direct POSTs, send → receiver first byte.
  const sentAt = new Map<string, number>();
  await openLoop(options.ratePerS, Math.min(options.seconds, 5), async (i) => {
    const id = `direct_${i}`;
    sentAt.set(id, wallClock());
    const response = await request(`${receiver.url}/hook`, { method: 'POST', body, dispatcher: agent, headers: { 'content-type': 'application/json', 'webhook-id': id } });
    await response.body.dump();
  });
  const directArrivals = await receiver.arrivals();
  const direct = [...sentAt].map(([id, at]) => directArrivals.get(id)! - at).filter(Number.isFinite);

  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-latency-'));
  const herald = await startHerald({ HERALD_DATABASE_URL: join(dataDir, 'herald.db'), HERALD_CONCURRENCY: String(options.concurrency) });
  try {
    await herald.api('POST', '/v1/endpoints', { url: `${receiver.url}/hook` });
    const { values } = await publishLatencies({
      apiUrl: herald.url, apiKey: BENCH_KEY, receiver, ratePerS: options.ratePerS, seconds: options.seconds, payload: options.payload, dispatcher: agent,
    });
    return {
      direct: { p50: percentile(direct, 50), p99: percentile(direct, 99) },
      herald: { p50: percentile(values, 50), p99: percentile(values, 99), count: values.length },
    };
  } finally {
    await herald.stop();
    await agent.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
