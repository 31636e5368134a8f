import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, loopbackServerEnv, startServerProcess, type ServerProcess } from '../../crash/server-process.ts';
import { eventually } from '../../support/herald.ts';
import { startCountingReceiver, type CountingReceiver } from '../support/counting-receiver.ts';
import { LAG_P99, RSS, deliveryCounts, mb, percentile, scrapeMetrics, sleep, succeededAttempts, unfinished } from '../support/probes.ts';
import type { ScenarioResult } from '../support/results.ts';

// 10,000 endpoints that all hang (spread over 4 receivers, i.e. 4 origins, so the sender's 16
// connections per origin do not cap the storm below the worker's slots), one event fanned out to all
// of them, and one healthy endpoint pinged every 200 ms meanwhile. Measured: the healthy endpoint's
// delivery latency during the storm (does one slow endpoint, or 10,000, starve the rest?), API and
// event-loop responsiveness, memory. Then the storm ends (the receivers answer) and everything drains.

export interface HangStormOptions {
  endpoints: number;
  /** How long the receivers hang before they start answering; default 45 s. */
  stormMs?: number;
  log?: (line: string) => void;
}

const HANG_RECEIVERS = 4;
const TIMEOUT_MS = 2000;
const PING_EVERY_MS = 200;

export async function runHangStorm(options: HangStormOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const { endpoints: count, stormMs = 45_000, log = () => {} } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-chaos-storm-'));
  const hangers: CountingReceiver[] = [];
  for (let i = 0; i < HANG_RECEIVERS; i += 1) hangers.push(await startCountingReceiver());
  for (const hanger of hangers) hanger.mode = 'hang';
  const healthy = await startCountingReceiver();
  const failures: string[] = [];
  let server: ServerProcess | null = null;
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = await startServerProcess({
      ...loopbackServerEnv(port, join(dataDir, 'herald.db'), 'hk_chaos'),
      HERALD_API_RATE_LIMIT: '0',
    });
    const { api } = server;
    const ping = await api.post('/v1/endpoints', { url: `${healthy.base}/ok`, event_types: ['ping.*'], timeout_ms: TIMEOUT_MS });
    if (ping.status !== 201) throw new Error(`creating the healthy endpoint answered ${ping.status}: ${ping.text}`);
    const createdFrom = Date.now();
    for (let next = 0; next < count; ) {
      const wave = Array.from({ length: Math.min(32, count - next) }, (_, i) => next + i);
      next += wave.length;
      const answers = await Promise.all(wave.map((n) => api.post('/v1/endpoints', { url: `${hangers[n % HANG_RECEIVERS]!.base}/switch/${n}`, event_types: ['storm.*'], timeout_ms: TIMEOUT_MS, max_attempts: 1 })));
      const refused = answers.find((answer) => answer.status !== 201);
      if (refused) throw new Error(`creating endpoint ${next} answered ${refused.status}: ${refused.text}`);
    }
    log(`storm: ${count} hanging endpoints created in ${((Date.now() - createdFrom) / 1000).toFixed(0)} s`);
    const rss: number[] = [];
    const lags: number[] = [];
    const sample = async () => {
      const metrics = await scrapeMetrics(base);
      rss.push(metrics.get(RSS) ?? 0);
      lags.push((metrics.get(LAG_P99) ?? 0) * 1000);
    };
    await sample();

    // The storm: one event to every hanging endpoint, then pings to the healthy one while they hang.
    const stormFrom = Date.now();
    const storm = await api.post('/v1/events', { type: 'storm.hang', payload: { storm: true } });
    if (storm.status !== 202) throw new Error(`the storm event answered ${storm.status}: ${storm.text}`);
    const fanOutMs = Date.now() - stormFrom;
    const pings = new Map<string, number>(); // event id → published at
    const apiLatencies: number[] = [];
    let nextSample = Date.now() + 5000;
    while (Date.now() - stormFrom < stormMs) {
      const from = Date.now();
      const answer = await api.post('/v1/events', { type: 'ping.check', payload: { at: from } });
      apiLatencies.push(Date.now() - from);
      if (answer.status === 202) pings.set(answer.json.id, from);
      else failures.push(`a ping publish answered ${answer.status}`);
      if (Date.now() >= nextSample) {
        nextSample += 5000;
        await sample();
        const open = hangers.reduce((sum, h) => sum + h.open, 0);
        log(`storm: ${Math.round((Date.now() - stormFrom) / 1000)} s, ${healthy.acked.size}/${pings.size} pings delivered, ${open} requests hanging, RSS ${mb(rss.at(-1))}, lag p99 ${lags.at(-1)!.toFixed(1)} ms`);
      }
      await sleep(Math.max(0, PING_EVERY_MS - (Date.now() - from)));
    }
    const stormSeconds = (Date.now() - stormFrom) / 1000;
    const duringStorm = [...pings].map(([id, at]) => (healthy.firstSeenAt.has(id) ? healthy.firstSeenAt.get(id)! - at : null));
    const deliveredInStorm = duringStorm.filter((ms): ms is number => ms !== null);
    const stormAttempts = hangers.reduce((sum, h) => sum + h.requests, 0);
    const maxHanging = hangers.reduce((sum, h) => sum + h.maxOpen, 0);
    await sample();

    // The storm ends: the receivers answer, and everything must drain.
    for (const hanger of hangers) hanger.mode = 'ok';
    const endedAt = Date.now();
    let counts = await deliveryCounts(api);
    await eventually(async () => unfinished((counts = await deliveryCounts(api))) === 0, 180_000, 1000);
    const drainMs = Date.now() - endedAt;
    if (unfinished(counts) > 0) failures.push(`${unfinished(counts)} deliveries not terminal 180 s after the storm: ${JSON.stringify(counts)}`);
    const latencies = [...pings].map(([id, at]) => (healthy.firstSeenAt.get(id) ?? Number.NaN) - at);
    const logged = await succeededAttempts(api);
    const lostPings = [...pings.keys()].filter((id) => !healthy.acked.has(id) || !logged.has(`${id}|${ping.json.id}`)).length;
    if (lostPings > 0) failures.push(`${lostPings} pings not delivered and logged`);
    if ((counts.succeeded ?? 0) + (counts.failed_permanent ?? 0) !== count + pings.size) failures.push(`deliveries at the end: ${JSON.stringify(counts)}, expected ${count + pings.size} terminal`);
    await sample();
    const starved = deliveredInStorm.length < pings.size / 2 || percentile(deliveredInStorm, 50) > 5 * TIMEOUT_MS;
    if (starved) {
      failures.push(
        `the healthy endpoint was starved: ${deliveredInStorm.length} of ${pings.size} pings delivered during the ${stormSeconds.toFixed(0)} s storm; ` +
          `ping latency p50 ${(percentile(latencies, 50) / 1000).toFixed(1)} s, max ${(Math.max(...latencies) / 1000).toFixed(1)} s (src/worker: reported)`,
      );
    }
    return {
      scenario: `${count.toLocaleString('en')} hanging endpoints`,
      load: `1 event fanned out to ${count} endpoints + a ping every ${PING_EVERY_MS} ms to 1 healthy endpoint for ${stormSeconds.toFixed(0)} s`,
      faults: `${count} endpoints hanging past timeout_ms (${TIMEOUT_MS} ms); ${stormAttempts} attempts timed out`,
      badInputs: '0',
      lost: lostPings,
      figures: [
        `fan-out of the storm event: ${fanOutMs} ms for ${count} deliveries; at most ${maxHanging} requests hanging at once (concurrency 64)`,
        `healthy endpoint during the storm: ${deliveredInStorm.length} of ${pings.size} pings delivered` +
          (deliveredInStorm.length > 0 ? `, latency p50 ${percentile(deliveredInStorm, 50)} ms, p99 ${percentile(deliveredInStorm, 99)} ms` : '') +
          `; over all pings (delivered after the storm too): p50 ${(percentile(latencies, 50) / 1000).toFixed(1)} s, max ${(Math.max(...latencies) / 1000).toFixed(1)} s`,
        `API stayed responsive: ping publish p50 ${percentile(apiLatencies, 50)} ms, p99 ${percentile(apiLatencies, 99)} ms; event-loop lag p99 per 5 s: median ${percentile(lags.slice(1), 50).toFixed(1)} ms, worst ${Math.max(...lags.slice(1)).toFixed(1)} ms`,
        `RSS ${mb(rss[0])} before the storm, ${mb(Math.max(...rss))} at most, ${mb(rss.at(-1))} at the end`,
        `after the storm: drained in ${(drainMs / 1000).toFixed(0)} s: ${JSON.stringify(counts)}`,
      ],
      failures,
      durationMs: Date.now() - started,
    };
  } finally {
    await server?.stop('SIGKILL');
    for (const receiver of [...hangers, healthy]) await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
