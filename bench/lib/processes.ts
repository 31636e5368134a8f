import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';

// The processes a bench run starts: the receiver, Herald as users run it (`node src/main.ts`), and
// readings of a process's memory from /proc.

const REPO = join(import.meta.dirname, '..', '..');

/** A receiver child process (bench/receiver.ts). */
export interface ReceiverProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
  /** Wall-clock arrival time (fractional ms) of each `webhook-id` since the last call. */
  arrivals(): Promise<Map<string, number>>;
}

/** Starts bench/receiver.ts with `args` (e.g. `--body-bytes 5242880`) and waits for its port. */
export async function startReceiver(args: string[] = []): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, [join(REPO, 'bench', 'receiver.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const url = `http://127.0.0.1:${chunk.toString().trim()}`;
  return {
    url,
    pid: child.pid!,
    stop: () => stopChild(child),
    arrivals: async () => {
      const response = await request(`${url}/__arrivals`);
      return new Map((await response.body.json()) as Array<[string, number]>);
    },
  };
}

/** `node src/main.ts` in a child process. */
export interface HeraldProcess {
  url: string;
  pid: number;
  /** A JSON call with the bench key; throws unless the status is 2xx. */
  api<T = any>(method: string, path: string, body?: unknown): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** SIGTERM (graceful: in-flight attempts finish) and wait for the exit. */
  stop(): Promise<void>;
  output(): string;
}

export const BENCH_KEY = 'hk_bench_key';

/**
 * Starts Herald with `env` over the bench defaults (loopback http allowed, API rate limit off) and waits
 * until `/healthz` answers (or, for `HERALD_ROLE=worker`, until it says it runs). `nodeArgs` go before
 * the script, e.g. `--cpu-prof`.
 */
export async function startHerald(env: Record<string, string>, nodeArgs: string[] = []): Promise<HeraldProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, 'src/main.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      HERALD_LOG_LEVEL: 'warn',
      HERALD_PORT: String(port),
      HERALD_API_KEY: BENCH_KEY,
      HERALD_ALLOW_HTTP: 'true',
      HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
      HERALD_API_RATE_LIMIT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const agent = new Agent({ connections: 64 });
  const herald: HeraldProcess = {
    url,
    pid: child.pid!,
    output: () => output,
    api: async (method, path, body) => {
      const response = await request(url + path, {
        method: method as 'GET',
        dispatcher: agent,
        headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text.slice(0, 300)}`);
      return text === '' ? undefined : JSON.parse(text);
    },
    stop: async () => {
      await stopChild(child);
      await agent.close();
    },
  };
  const worker = env.HERALD_ROLE === 'worker';
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Herald exited with ${child.exitCode}:\n${output}`);
    const up = worker
      ? output.includes('Herald worker running')
      : await request(`${url}/healthz`).then((r) => (r.body.dump(), r.statusCode === 200), () => false);
    if (up) return herald;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Herald did not come up:\n${output}`);
    }
    await sleep(50);
  }
}

/** Resident memory of `pid` in MB: now (VmRSS) and the peak so far (VmHWM). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Polls `GET /v1/deliveries?status=succeeded&count=true` until `total` succeeded; throws after `timeoutMs`. */
export async function waitForSucceeded(herald: HeraldProcess, total: number, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await herald.api<{ meta: { total: number } }>('GET', '/v1/deliveries?status=succeeded&count=true&limit=1');
    if (done.meta.total >= total) return;
    if (Date.now() > deadline) throw new Error(`only ${done.meta.total} of ${total} delivered after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** This machine's wall clock in fractional ms, comparable across processes (the receiver's arrivals). */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/** What publishLatencies measured, all in ms; `settled…` leave out the events sent in the first `settleSeconds`. */
export interface PublishLatencies {
  /** Per delivered event: the client reading the 202 → the receiver seeing the request head. */
  values: number[];
  settledValues: number[];
  /** Per accepted publish: the request sent → its 202 read. */
  answers: number[];
  settledAnswers: number[];
  accepted: number;
}

/**
 * Scenario 4's measure: single publishes to the Herald at `apiUrl`, an open loop of `ratePerS` for
 * `seconds`; per event, the client reading the 202 → the receiver seeing the request head (for the
 * events that arrived within 30 s), and how long each publish took to be answered. A Herald just
 * started is slower for its first seconds (its code not yet compiled by V8, its PostgreSQL
 * connections new), so the figures are also given without the events of the first `settleSeconds`.
 */
export async function publishLatencies(options: {
  apiUrl: string; apiKey: string; receiver: ReceiverProcess; ratePerS: number; seconds: number; payload: unknown; dispatcher: Agent; settleSeconds?: number;
}): Promise<PublishLatencies> {
  const body = JSON.stringify({ type: 'bench.latency', payload: options.payload });
  const accepted = new Map<string, { at: number; answerMs: number; settled: boolean }>();
  const settledFrom = performance.now() + (options.settleSeconds ?? 3) * 1000;
  await options.receiver.arrivals(); // forget earlier arrivals
  await openLoop(options.ratePerS, options.seconds, async () => {
    const sent = performance.now();
    const response = await request(`${options.apiUrl}/v1/events`, {
      method: 'POST', body, dispatcher: options.dispatcher, headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
    });
    const answer = (await response.body.json()) as { id?: string };
    if (response.statusCode !== 202 || answer.id === undefined) throw new Error(`publish: ${response.statusCode} ${JSON.stringify(answer).slice(0, 300)}`);
    accepted.set(answer.id, { at: wallClock(), answerMs: performance.now() - sent, settled: sent >= settledFrom });
  });
  const arrivals = await arrivalsOf(options.receiver, accepted.size);
  const delivered = [...accepted].map(([id, publish]) => ({ ...publish, latency: (arrivals.get(id) ?? Number.NaN) - publish.at })).filter((event) => Number.isFinite(event.latency));
  const published = [...accepted.values()];
  return {
    values: delivered.map((event) => event.latency),
    settledValues: delivered.filter((event) => event.settled).map((event) => event.latency),
    answers: published.map((publish) => publish.answerMs),
    settledAnswers: published.filter((publish) => publish.settled).map((publish) => publish.answerMs),
    accepted: accepted.size,
  };
}

/** The receiver's arrivals, collected until `expected` came or `timeoutMs` passed. */
export async function arrivalsOf(receiver: ReceiverProcess, expected: number, timeoutMs = 30_000): Promise<Map<string, number>> {
  const arrivals = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (arrivals.size < expected && Date.now() < deadline) {
    for (const [id, at] of await receiver.arrivals()) arrivals.set(id, at);
    await sleep(100);
  }
  return arrivals;
}

/** Calls `send(i)` at `ratePerS` for `seconds`, on schedule regardless of answers; resolves when all answered. */
export async function openLoop(ratePerS: number, seconds: number, send: (i: number) => Promise<void>): Promise<void> {
  const total = Math.round(ratePerS * seconds);
  const started = performance.now();
  const pending: Promise<void>[] = [];
  let next = 0;
  while (next < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * ratePerS) + 1);
    for (; next < due; next += 1) pending.push(send(next));
    await sleep(2);
  }
  await Promise.all(pending);
}

/** Runs `work` with `concurrency` loops taking indexes 0…count-1 in turn. */
export async function inParallel(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

/** p-th percentile (nearest rank) of `values`, 0 < p ≤ 100. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
