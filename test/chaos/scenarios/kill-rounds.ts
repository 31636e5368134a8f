import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, loopbackServerEnv, startServerProcess, type ServerProcess } from '../../crash/server-process.ts';
import { eventually } from '../../support/herald.ts';
import { BadInputProbe } from '../support/bad-inputs.ts';
import { startCountingReceiver } from '../support/counting-receiver.ts';
import { deliveryCounts, integrityCheck, queryFile, sleep, succeededAttempts, unfinished } from '../support/probes.ts';
import type { ScenarioResult } from '../support/results.ts';

// kill -9 at random moments under load, many rounds, on one SQLite file. Publishers send single and
// batch events (every one with an Idempotency-Key, retried after the crash when its answer was lost),
// two receivers acknowledge them, and after every kill the file left behind is checked: sound, and each
// batch in flight at the kill either wholly present or wholly absent. At the end, every event that got
// a 202 was delivered to both endpoints and has a succeeded attempt in the log.

export interface KillRoundsOptions {
  rounds: number;
  /** Each round runs a random time in [minRoundMs, maxRoundMs] before the kill. */
  minRoundMs?: number;
  maxRoundMs?: number;
  /** Concurrent publishers. */
  publishers?: number;
  /** How long, after the last round, everything may take to be delivered; default 120 s. */
  drainTimeoutMs?: number;
  log?: (line: string) => void;
}

interface Publish {
  key: string;
  body: unknown;
  path: '/v1/events' | '/v1/events/batch';
  size: number;
  ids: string[] | null;
}

const ENDPOINT_TIMEOUT_MS = 2000;
/** Each publisher's pause between publishes: a load the worker can deliver in step (a backlog is not a loss, but it would need a longer drain). */
const PUBLISH_PAUSE_MS = 50; // a killed claim comes back after its lease: this + 10 s

export async function runKillRounds(options: KillRoundsOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const { rounds, minRoundMs = 300, maxRoundMs = 2500, publishers = 4, drainTimeoutMs = 120_000, log = () => {} } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-chaos-kill-'));
  const dbPath = join(dataDir, 'herald.db');
  const fast = await startCountingReceiver();
  const slow = await startCountingReceiver();
  const env = {
    ...loopbackServerEnv(await freePort(), dbPath, 'hk_chaos'),
    HERALD_RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s',
    HERALD_API_RATE_LIMIT: '0',
    HERALD_CONCURRENCY: '32',
  };
  const failures: string[] = [];
  const bad = new BadInputProbe();
  const publishes: Publish[] = [];
  let server: ServerProcess | null = null;
  let seq = 0;
  let kills = 0;
  let lostAnswers = 0;
  let killedMidBatch = 0;
  let delivered = { fast: 0, slow: 0 };
  try {
    server = await startServerProcess(env);
    const endpointIds: string[] = [];
    for (const [receiver, path] of [[fast, '/ok'], [slow, '/ok?ms=30']] as const) {
      const created = await server.api.post('/v1/endpoints', { url: `${receiver.base}${path}`, timeout_ms: ENDPOINT_TIMEOUT_MS });
      if (created.status !== 201) throw new Error(`creating an endpoint answered ${created.status}: ${created.text}`);
      endpointIds.push(created.json.id);
    }

    const newPublish = (round: number): Publish => {
      seq += 1;
      const key = `r${round}-p${seq}`;
      const single = Math.random() < 0.5;
      const size = single ? 1 : 2 + Math.floor(Math.random() * 9);
      const event = (i: number) => ({ type: 'order.created', payload: { key, i, filler: 'x'.repeat(Math.floor(Math.random() * 400)) }, tags: { batch: key } });
      return single
        ? { key, size, path: '/v1/events', body: event(0), ids: null }
        : { key, size, path: '/v1/events/batch', body: { events: Array.from({ length: size }, (_, i) => event(i)) }, ids: null };
    };

    /** Sends one publish; true when answered (202 recorded), false when the connection died. */
    const send = async (target: ServerProcess, publish: Publish): Promise<boolean> => {
      let response;
      try {
        response = await target.api.post(publish.path, publish.body, { 'idempotency-key': publish.key });
      } catch {
        return false;
      }
      if (response.status !== 202) {
        failures.push(`${publish.path} answered ${response.status}: ${response.text.slice(0, 200)}`);
        return true;
      }
      const ids: string[] = publish.path === '/v1/events' ? [response.json.id] : response.json.data.map((e: { id: string }) => e.id);
      if (publish.ids && publish.ids.join() !== ids.join()) failures.push(`the replay of ${publish.key} answered other ids than the first 202`);
      publish.ids = ids;
      return true;
    };

    for (let round = 1; round <= rounds + 1; round += 1) {
      const current: ServerProcess = server!;
      // Publishes whose answer was lost in the last kill: replayed with their Idempotency-Key.
      for (const publish of publishes.filter((p) => p.ids === null)) {
        if (!(await send(current, publish))) throw new Error(`replaying ${publish.key} failed: Herald is not answering\n${current.output().slice(-2000)}`);
      }
      if (round > rounds) break; // the last start only replays and drains
      let stop = false;
      const inFlight = new Set<Publish>();
      const workers = Array.from({ length: publishers }, async (_, w) => {
        for (let n = 0; !stop; n += 1) {
          if (w === 0 && n % 10 === 9) {
            await bad.send(current.api);
            continue;
          }
          const publish = newPublish(round);
          publishes.push(publish);
          inFlight.add(publish);
          const answered = await send(current, publish);
          inFlight.delete(publish);
          if (!answered) {
            lostAnswers += 1;
            return; // Herald is gone; replayed after the restart
          }
          await sleep(PUBLISH_PAUSE_MS);
        }
      });
      await sleep(minRoundMs + Math.random() * (maxRoundMs - minRoundMs));
      const openBatches = [...inFlight];
      await current.stop('SIGKILL');
      kills += 1;
      stop = true;
      await Promise.all(workers);

      // The file the crash left, checked on a copy (a connection closing on the original would checkpoint it).
      const copy = join(dataDir, `check-${round}.db`);
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(dbPath + suffix)) copyFileSync(dbPath + suffix, copy + suffix);
      const integrity = integrityCheck(copy);
      if (integrity !== 'ok') failures.push(`round ${round}: integrity_check says ${integrity}`);
      const present = new Map(queryFile(copy, `SELECT value, COUNT(*) AS n FROM event_tags WHERE key = 'batch' GROUP BY value`).map((row) => [String(row.value), Number(row.n)]));
      for (const publish of openBatches) {
        const n = present.get(publish.key) ?? 0;
        if (n !== 0 && n !== publish.size) failures.push(`round ${round}: ${publish.key} half-present after the kill: ${n} of ${publish.size} events`);
        if (publish.size > 1 && n === publish.size) killedMidBatch += 1;
      }
      for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
      log(`kill round ${round}/${rounds}: ${publishes.length} publishes so far, ${openBatches.length} in flight at the kill`);
      server = await startServerProcess(env);
    }

    // Drain: every delivery ends succeeded (the killed claims come back when their lease ends).
    const api = server!.api;
    let counts = await deliveryCounts(api);
    await eventually(async () => unfinished((counts = await deliveryCounts(api))) === 0, drainTimeoutMs, 250);
    if (unfinished(counts) > 0 || (counts.failed_permanent ?? 0) > 0) failures.push(`not drained ${drainTimeoutMs} ms after the last restart: ${JSON.stringify(counts)}`);

    const accepted = publishes.flatMap((p) => p.ids ?? []);
    const logged = await succeededAttempts(api);
    const [fastId, slowId] = endpointIds as [string, string];
    const lostIds = accepted.filter((id) => !fast.acked.has(id) || !slow.acked.has(id) || !logged.has(`${id}|${fastId}`) || !logged.has(`${id}|${slowId}`));
    if (lostIds.length > 0) failures.push(`${lostIds.length} accepted events not delivered and logged, e.g. ${lostIds.slice(0, 3).join(', ')}`);
    delivered = { fast: fast.acked.size, slow: slow.acked.size };

    // Each publish present exactly once: no batch half-written, none doubled by a replay.
    await server!.stop('SIGTERM');
    const present = new Map(queryFile(dbPath, `SELECT value, COUNT(*) AS n FROM event_tags WHERE key = 'batch' GROUP BY value`).map((row) => [String(row.value), Number(row.n)]));
    const wrong = publishes.filter((p) => (present.get(p.key) ?? 0) !== p.size);
    if (wrong.length > 0) failures.push(`${wrong.length} publishes not present exactly once, e.g. ${wrong.slice(0, 3).map((p) => `${p.key}: ${present.get(p.key) ?? 0} of ${p.size}`).join(', ')}`);
    const integrity = integrityCheck(dbPath);
    if (integrity !== 'ok') failures.push(`final integrity_check says ${integrity}`);
    failures.push(...bad.violations);

    const receipts = [...fast.received.values(), ...slow.received.values()].reduce((a, b) => a + b, 0);
    const unique = fast.received.size + slow.received.size;
    return {
      scenario: `kill -9 × ${rounds}`,
      load: `${publishes.length} publishes (${accepted.length} events, single and batches of 2–10), ${publishers} publishers, 2 endpoints`,
      faults: `${kills} × kill -9 at random moments (${lostAnswers} answers lost, replayed by Idempotency-Key)`,
      badInputs: String(bad.tried),
      lost: lostIds.length,
      figures: [
        `${accepted.length} accepted events, ${accepted.length * 2} deliveries: ${JSON.stringify(counts)}`,
        `receivers acknowledged ${delivered.fast} + ${delivered.slow} distinct events; ${receipts} receipts, ${receipts - unique} duplicates (the at-least-once window)`,
        `${killedMidBatch} batches committed whole while their answer was lost; no batch half-present after any kill; integrity_check ok after each kill`,
      ],
      failures,
      durationMs: Date.now() - started,
    };
  } finally {
    await server?.stop('SIGKILL');
    await fast.close();
    await slow.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
