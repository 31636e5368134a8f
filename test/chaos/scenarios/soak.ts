import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, loopbackServerEnv, startServerProcess, type ServerProcess } from '../../crash/server-process.ts';
import { eventually } from '../../support/herald.ts';
import { BadInputProbe } from '../support/bad-inputs.ts';
import { startCountingReceiver } from '../support/counting-receiver.ts';
import { LAG_P99, RSS, deliveryCounts, mb, percentile, scrapeMetrics, sleep, succeededAttempts, unfinished } from '../support/probes.ts';
import type { ScenarioResult } from '../support/results.ts';

// A bounded soak on loopback: events at a steady rate to 20 endpoints, of which 2 always fail (500)
// and 1 hangs past its timeout, so 10 % of deliveries fail and 5 % hang, with bad inputs mixed in.
// Nothing may be lost or stuck, memory must stay flat, and the event-loop lag is measured inside
// Herald (prom-client's monitorEventLoopDelay p99, read from /metrics every 5 s).

export interface SoakOptions {
  durationMs: number;
  /** Events per second to publish; default 150. */
  ratePerS?: number;
  log?: (line: string) => void;
}

const OK_ENDPOINTS = 17;
const TIMEOUT_MS = 1000;
const MAX_ATTEMPTS = 4;

export async function runSoak(options: SoakOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const { durationMs, ratePerS = 150, log = () => {} } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-chaos-soak-'));
  const receivers = { ok: await startCountingReceiver(), fail: await startCountingReceiver(), hang: await startCountingReceiver() };
  const failures: string[] = [];
  const bad = new BadInputProbe();
  let server: ServerProcess | null = null;
  try {
    const port = await freePort();
    server = await startServerProcess({
      ...loopbackServerEnv(port, join(dataDir, 'herald.db'), 'hk_chaos'),
      HERALD_RETRY_SCHEDULE: '500ms,1s,2s',
      HERALD_API_RATE_LIMIT: '0',
    });
    const { api } = server;
    const endpoints: Array<{ id: string; kind: 'ok' | 'fail' | 'hang' }> = [];
    const kinds = [...Array<'ok'>(OK_ENDPOINTS).fill('ok'), 'fail', 'fail', 'hang'] as const;
    for (const kind of kinds) {
      const created = await api.post('/v1/endpoints', { url: `${receivers[kind].base}/${kind}`, timeout_ms: TIMEOUT_MS, max_attempts: MAX_ATTEMPTS });
      if (created.status !== 201) throw new Error(`creating an endpoint answered ${created.status}: ${created.text}`);
      endpoints.push({ id: created.json.id, kind });
    }
    const metricsBase = `http://127.0.0.1:${port}`;

    // Publish at the rate, singles and batches of up to 5, each event to one random endpoint.
    const accepted = new Map<string, string>(); // event id → endpoint id
    let publishes = 0;
    let publishErrors = 0;
    const publishLatencies: number[] = [];
    const lags: number[] = [];
    const rss: number[] = [];
    const sample = async () => {
      const metrics = await scrapeMetrics(metricsBase);
      rss.push(metrics.get(RSS) ?? 0);
      lags.push((metrics.get(LAG_P99) ?? 0) * 1000);
    };
    await sample(); // resets the lag histogram: the run's intervals start now
    const until = Date.now() + durationMs;
    let sent = 0;
    let nextSample = Date.now() + 5000;
    const inFlight = new Set<Promise<void>>();
    while (Date.now() < until) {
      const due = Math.floor(((Date.now() - (until - durationMs)) / 1000) * ratePerS);
      while (sent < due && inFlight.size < 64) {
        const size = Math.random() < 0.5 ? 1 : 1 + Math.floor(Math.random() * 5);
        sent += size;
        publishes += 1;
        const events = Array.from({ length: size }, () => {
          const endpoint = endpoints[Math.floor(Math.random() * endpoints.length)]!;
          return { type: 'soak.tick', payload: { n: sent, pad: 'p'.repeat(200) }, endpoint_ids: [endpoint.id] };
        });
        const from = performance.now();
        const request = (size === 1 ? api.post('/v1/events', events[0]) : api.post('/v1/events/batch', { events })).then(
          (response) => {
            publishLatencies.push(performance.now() - from);
            if (response.status !== 202) {
              publishErrors += 1;
              if (failures.length < 10) failures.push(`a publish answered ${response.status}: ${response.text.slice(0, 200)}`);
              return;
            }
            const data: Array<{ id: string }> = size === 1 ? [response.json] : response.json.data;
            data.forEach((event, i) => accepted.set(event.id, events[i]!.endpoint_ids[0]!));
          },
          (error: unknown) => {
            publishErrors += 1;
            if (failures.length < 10) failures.push(`a publish failed: ${String(error)}`);
          },
        );
        const tracked = request.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        if (publishes % 50 === 0) void bad.send(api);
      }
      if (Date.now() >= nextSample) {
        nextSample += 5000;
        await sample();
        const counts = await deliveryCounts(api);
        log(`soak: ${accepted.size} accepted, RSS ${mb(rss.at(-1))}, lag p99 ${lags.at(-1)!.toFixed(1)} ms, ${JSON.stringify(counts)}`);
        // Zero stuck, checked live: every unfinished delivery has a due time, and no more are in flight than the worker's slots.
        const pending = await api.get('/v1/deliveries?status=pending_retry,queued&limit=500&fields=id,next_attempt_at');
        const undated = (pending.json?.data ?? []).filter((d: { next_attempt_at: string | null }) => d.next_attempt_at === null);
        if (undated.length > 0) failures.push(`${undated.length} waiting deliveries without a due time`);
        if ((counts.delivering ?? 0) > 64 + 64) failures.push(`${counts.delivering} deliveries marked delivering, more than the worker holds`);
      }
      await sleep(10);
    }
    await Promise.all(inFlight);
    await sample();
    const published = { events: accepted.size, seconds: durationMs / 1000 };

    // Drain: the schedule ends within a few seconds, so everything must be terminal soon after.
    let counts = await deliveryCounts(api);
    await eventually(async () => unfinished((counts = await deliveryCounts(api))) === 0, 30_000, 500);
    const stuck = unfinished(counts);
    if (stuck > 0) failures.push(`${stuck} deliveries not terminal 30 s after the soak: ${JSON.stringify(counts)}`);
    const logged = await succeededAttempts(api);
    const kindOf = new Map(endpoints.map((e) => [e.id, e.kind]));
    let lost = 0;
    const expected = { ok: 0, fail: 0, hang: 0 };
    for (const [eventId, endpointId] of accepted) {
      const kind = kindOf.get(endpointId)!;
      expected[kind] += 1;
      if (kind === 'ok' && (!receivers.ok.acked.has(eventId) || !logged.has(`${eventId}|${endpointId}`))) lost += 1;
    }
    if (lost > 0) failures.push(`${lost} accepted events to healthy endpoints not delivered and logged`);
    if ((counts.succeeded ?? 0) !== expected.ok) failures.push(`${counts.succeeded} succeeded deliveries, expected ${expected.ok}`);
    if ((counts.failed_permanent ?? 0) !== expected.fail + expected.hang) failures.push(`${counts.failed_permanent} failed_permanent, expected ${expected.fail + expected.hang}`);
    const rssStart = rss[1] ?? rss[0]!;
    const rssEnd = rss.at(-1)!;
    if (rssEnd > 2 * rssStart) failures.push(`RSS grew from ${mb(rssStart)} to ${mb(rssEnd)}`);
    failures.push(...bad.violations);
    const intervalLags = lags.slice(1);
    return {
      scenario: `soak ${(durationMs / 60000).toFixed(1)} min`,
      load: `${(published.events / published.seconds).toFixed(0)} events/s (${published.events} events, ${publishes} publishes) to 20 endpoints`,
      faults: `10 % of deliveries to receivers answering 500, 5 % hanging past timeout_ms (${receivers.fail.requests} + ${receivers.hang.requests} failed attempts)`,
      badInputs: String(bad.tried),
      lost: lost + stuck,
      figures: [
        `deliveries at the end: ${JSON.stringify(counts)} (expected ${expected.ok} succeeded, ${expected.fail + expected.hang} failed_permanent after ${MAX_ATTEMPTS} attempts)`,
        `RSS ${mb(rssStart)} at start (after 5 s), ${mb(rssEnd)} at the end, ${mb(Math.max(...rss))} at most`,
        `event-loop lag p99 inside Herald per 5 s interval: median ${percentile(intervalLags, 50).toFixed(1)} ms, worst ${Math.max(...intervalLags).toFixed(1)} ms`,
        `publish latency p50 ${percentile(publishLatencies, 50).toFixed(0)} ms, p99 ${percentile(publishLatencies, 99).toFixed(0)} ms; ${publishErrors} publish errors`,
      ],
      failures,
      durationMs: Date.now() - started,
    };
  } finally {
    await server?.stop('SIGKILL');
    for (const receiver of Object.values(receivers)) await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
