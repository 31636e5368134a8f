import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { newId } from '../src/domain/ids.ts';
import type { DeliveryErrorCode } from '../src/domain/delivery-error.ts';
import { hashKey } from '../src/services/auth-service.ts';
import type { DeliveryRecord, EndpointRecord, EventRecord } from '../src/storage/records.ts';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import type { AttemptOutcome, NewEvent } from '../src/storage/storage.ts';

// Builds a realistic Herald SQLite database through the real SqliteStorage (same schema, indexes and
// FTS rows as production writes), fast: events via publishEvents and attempts via recordOutcomes in
// batches. Everything happens in time order so ids (UUIDv7, newId) sort with created_at.
//
//   npx node bench/generate-log.ts <path> [entries]

export interface GenerateOptions {
  /** Exact number of log entries (attempts) to write. */
  entries: number;
  /** Workspaces; the first one gets its share like the others (default 1). */
  workspaces?: number;
  /** Endpoints per workspace (default 20). */
  endpoints?: number;
  /** PRNG seed (default 42): the same seed gives the same data (ids aside, which carry random bits). */
  seed?: number;
  /** Days of history (default 7), ending at `endMs` (default now). */
  days?: number;
  endMs?: number;
  /** Events per publishEvents call (default 1000). */
  eventBatch?: number;
  /** Outcomes per recordOutcomes call (default 1000). */
  outcomeBatch?: number;
  /**
   * Per-connection pragmas for the storage's own connection while generating (nothing in them is
   * stored in the file: the database is the same as production writes, only written faster).
   */
  pragmas?: string[];
  /**
   * Generation-only shim (default true): while generating, the storage's FTS insert
   * `INSERT INTO attempts_search … SELECT …, payload, … FROM events WHERE id = ?` is prepared as the
   * equivalent `INSERT … VALUES (…, (SELECT payload FROM events WHERE id = ?), …)`. Same rows, same
   * tokens; but the SELECT form makes SQLite open a statement savepoint, and FTS5 flushes its pending
   * terms at every savepoint: one index segment per log entry, 3-8x slower. A no-op once src/ uses
   * the VALUES form. Set false to generate through the unmodified statement.
   */
  ftsInsertShim?: boolean;
  /**
   * After loading, run FTS5 'merge' steps until there is nothing left to merge (default true): the
   * state Herald's background merger (wal-checkpoint-thread.ts, 64 pages every 250 ms) converges to
   * on a log that grew at production speed. A bulk load outruns it, and without this step a Herald
   * started on the file would spend the first minutes of a benchmark merging.
   */
  mergeAfterLoad?: boolean;
  /** Progress lines (default console.log); pass `() => {}` to silence. */
  log?: (line: string) => void;
}

export interface GeneratedLog {
  path: string;
  seed: number;
  entries: number;
  events: number;
  deliveries: number;
  /** The first workspace: the one to query. */
  workspaceId: string;
  workspaceIds: string[];
  /** The first workspace's API key (plain text; the database holds its hash). */
  apiKey: string;
  apiKeys: string[];
  /** The first workspace's endpoints. */
  endpointIds: string[];
  /** An endpoint that fails often (about a quarter of its attempts). */
  flakyEndpointId: string;
  /** A `call_id` tag value (shared by a few events) from the middle of the history. */
  tagKey: string;
  tagValue: string;
  /** A payload word found in about a tenth of the entries, and one found in a few dozen. */
  commonWord: string;
  rareWord: string;
  /** The history: created_at of the first and last log entry. */
  startMs: number;
  endMs: number;
  succeededShare: number;
  /** Whether the generation-only FTS insert shim rewrote the storage's statement (see GenerateOptions). */
  ftsInsertShimApplied: boolean;
  seconds: number;
  dbBytes: number;
}

/** mulberry32: a tiny, fast, seedable PRNG returning [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const RETRY_DELAYS = [5_000, 300_000, 1_800_000]; // the default schedule's first three: 4 attempts at most
const MAX_ATTEMPTS = 4;
const TIMEOUT_MS = 15_000;
const COMMON_WORD = 'refund';
const RARE_WORD = 'quetzalcoatl';
const RARE_EVERY = 20_011; // events; one in this many carries the rare word

const EVENT_TYPES: Array<[type: string, weight: number]> = [
  ['call.completed', 22],
  ['call.started', 22],
  ['invoice.paid', 14],
  ['invoice.created', 12],
  ['customer.updated', 10],
  ['order.shipped', 9],
  ['subscription.renewed', 7],
  ['payment.failed', 4],
];
const FIRST = ['ada', 'grace', 'alan', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'frances', 'edsger', 'radia', 'tim', 'sophie', 'john', 'katherine', 'donald'];
const LAST = ['lovelace', 'hopper', 'turing', 'torvalds', 'hamilton', 'thompson', 'liskov', 'ritchie', 'allen', 'dijkstra', 'perlman', 'berners', 'wilson', 'mccarthy', 'johnson', 'knuth'];
const PLANS = ['free', 'starter', 'growth', 'business', 'enterprise'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ter', 'van', 'sol', 'dre', 'pon', 'qui', 'zel', 'bra', 'nis', 'tor', 'ga', 'fu', 'rel', 'shi', 'mon', 'cap', 'dex', 'ul', 'ven', 'or', 'is'];
const PLAIN_WORDS = [
  'customer', 'asked', 'about', 'the', 'invoice', 'and', 'shipping', 'delay', 'agent', 'escalated', 'to', 'billing', 'follow', 'up',
  'tomorrow', 'callback', 'requested', 'warranty', 'upgrade', 'plan', 'discount', 'applied', 'card', 'declined', 'address', 'changed',
  'voicemail', 'left', 'resolved', 'ticket', 'opened', 'priority', 'normal', 'high', 'survey', 'sent', 'satisfied', 'transfer', 'queue',
];

interface EndpointProfile {
  endpoint: EndpointRecord;
  /** Per-attempt failure probability (outside an outage). */
  failRate: number;
  /** Failure kinds and weights. */
  failures: Array<[kind: FailureKind, weight: number]>;
  /** [start, end) windows in which every attempt fails with CONNECTION_REFUSED or TIMEOUT. */
  outages: Array<[number, number]>;
  /** Once one attempt of a delivery failed, the next fails with this probability (failures cluster). */
  stickiness: number;
}

type FailureKind = 500 | 502 | 503 | 404 | 429 | 'TIMEOUT' | 'CONNECTION_REFUSED';

/** Pending attempt of a delivery, in the time-ordered queue. */
interface PlannedAttempt {
  at: number;
  attempt: number;
  delivery: DeliveryRecord;
  profile: EndpointProfile;
  failedBefore: boolean;
}

/** A binary min-heap on `at`. */
class Heap {
  readonly items: PlannedAttempt[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): PlannedAttempt | undefined {
    return this.items[0];
  }
  push(item: PlannedAttempt): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.at <= item.at) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = item;
  }
  pop(): PlannedAttempt | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const child = r < a.length && a[r]!.at < a[l]!.at ? r : l;
      if (a[child]!.at >= last.at) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Bulk-load settings, all per connection (nothing of them is stored in the file): synchronous=OFF
 * skips the fsyncs (a crash mid-generation just means generating again), a 1 GiB page cache keeps
 * the indexes' hot pages in memory, and a long busy timeout waits out the storage's background
 * thread (wal-checkpoint-thread.ts), whose merge steps take the write lock (and commit with its
 * connection's default synchronous=FULL): under a bulk load, one BEGIN IMMEDIATE of the generator
 * once waited past the default 5 s and failed with "database is locked".
 */
export const FAST_PRAGMAS = ['PRAGMA synchronous = OFF', 'PRAGMA cache_size = -1048576', 'PRAGMA busy_timeout = 60000'];

/** FTS5 'merge' steps (the same command as Herald's background merger, bigger steps) until one changes nothing. */
function mergeSearchIndex(connection: DatabaseSync): number {
  const changes = connection.prepare('SELECT total_changes() AS n');
  for (let steps = 1; ; steps += 1) {
    const before = Number((changes.get() as { n: number }).n);
    connection.exec("INSERT INTO attempts_search (attempts_search, rank) VALUES ('merge', 2000)");
    if (Number((changes.get() as { n: number }).n) - before <= 1) return steps;
  }
}

/**
 * A SqliteStorage and the node:sqlite connection inside it (private to SqliteDatabase), caught as
 * its constructor runs its first PRAGMA, so the generator can set per-connection pragmas on it.
 */
function openCapturing(path: string, ftsInsertShim: boolean): { storage: SqliteStorage; connection: DatabaseSync; shimmed: () => number } {
  const exec = DatabaseSync.prototype.exec;
  let connection: DatabaseSync | undefined;
  DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
    connection ??= this;
    return exec.call(this, sql);
  };
  let storage: SqliteStorage;
  try {
    storage = new SqliteStorage(path);
  } finally {
    DatabaseSync.prototype.exec = exec;
  }
  if (connection === undefined) throw new Error('could not reach the storage connection');
  let shimmed = 0;
  if (ftsInsertShim) {
    const prepare = connection.prepare.bind(connection);
    connection.prepare = (sql: string, ...rest: unknown[]) => {
      const rewritten = rewriteFtsInsert(sql);
      if (rewritten !== sql) shimmed += 1;
      return (prepare as (sql: string, ...rest: unknown[]) => ReturnType<DatabaseSync['prepare']>)(rewritten, ...rest);
    };
  }
  return { storage, connection, shimmed: () => shimmed };
}

const FTS_INSERT_SELECT =
  /^(\s*INSERT INTO attempts_search \(rowid, endpoint_url, event_type, error_message, request_body, response_body\))\s+SELECT \?, \?, \?, \?, payload, \? FROM events WHERE id = \?\s*$/;

/** The INSERT … SELECT into the FTS table as INSERT … VALUES with a scalar subquery (same parameters, bound by number). */
export function rewriteFtsInsert(sql: string): string {
  const match = FTS_INSERT_SELECT.exec(sql);
  return match ? `${match[1]} VALUES (?1, ?2, ?3, ?4, (SELECT payload FROM events WHERE id = ?6), ?5)` : sql;
}

/** Generates `options.entries` log entries into a new database at `path` (an existing file there is replaced). */
export async function generateLog(path: string, options: GenerateOptions): Promise<GeneratedLog> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const entries = Math.floor(options.entries);
  if (!(entries > 0)) throw new Error('entries must be a positive number');
  const seed = options.seed ?? 42;
  const workspaceCount = options.workspaces ?? 1;
  const endpointCount = options.endpoints ?? 20;
  const eventBatch = options.eventBatch ?? 1000;
  const outcomeBatch = options.outcomeBatch ?? 1000;
  const endMs = Math.floor(options.endMs ?? Date.now());
  const startMs = endMs - (options.days ?? 7) * DAY;
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const weighted = <T>(items: ReadonlyArray<[T, number]>): T => {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = random() * total;
    for (const [item, w] of items) if ((r -= w) < 0) return item;
    return items[items.length - 1]![0];
  };
  /** Log-normal around `median` (spread sigma), clamped. */
  const logNormal = (median: number, sigma: number, min: number, max: number): number => {
    const u = Math.max(random(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.min(max, Math.max(min, Math.round(median * Math.exp(sigma * z))));
  };

  for (const suffix of ['', '-wal', '-shm', '.meta.json']) rmSync(path + suffix, { force: true });
  const { storage, connection, shimmed } = openCapturing(path, options.ftsInsertShim ?? true);
  await storage.migrate();
  for (const pragma of options.pragmas ?? FAST_PRAGMAS) connection.exec(pragma);

  // Tenants, keys and endpoints, created a day before the history starts.
  const setupAt = startMs - DAY;
  const workspaces: Array<{ id: string; key: string; profiles: EndpointProfile[] }> = [];
  for (let w = 0; w < workspaceCount; w += 1) {
    const id = newId('ws', setupAt);
    // newId never goes back in time within a process: after a generation that ended later than this
    // one starts, ids would carry the wrong times. One generation per process.
    if (Number.parseInt(id.slice(3, 15), 16) !== setupAt) throw new Error('newId already issued later ids in this process; generate in a fresh process');
    await storage.createWorkspace({ id, name: w === 0 ? 'bench' : `bench-${w}`, createdAt: setupAt });
    const key = `hk_bench_${seed}_${w}`;
    await storage.createApiKey({ id: newId('key', setupAt), workspaceId: id, name: 'bench', keyHash: hashKey(key), createdAt: setupAt });
    const profiles: EndpointProfile[] = [];
    for (let e = 0; e < endpointCount; e += 1) {
      // 2 in 10 take every type; the others one or two types.
      const types = e % 10 === 0 ? null : [...new Set([weighted(EVENT_TYPES), ...(random() < 0.3 ? [weighted(EVENT_TYPES)] : [])])];
      const endpoint: EndpointRecord = {
        id: newId('ep', setupAt),
        workspaceId: id,
        url: `https://hooks.${pick(['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka'])}-${e}.example.com/webhooks/herald`,
        description: `bench endpoint ${e}`,
        eventTypes: types,
        method: 'POST',
        headers: e % 3 === 0 ? { 'x-tenant': `tenant-${e}` } : {},
        secret: `whsec_${Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256))).toString('base64')}`,
        previousSecret: null,
        previousSecretExpiresAt: null,
        enabled: true,
        disabledReason: null,
        timeoutMs: TIMEOUT_MS,
        maxAttempts: MAX_ATTEMPTS,
        rateLimitPerS: null,
        metadata: { team: pick(['growth', 'billing', 'support', 'ops']) },
        createdAt: setupAt,
        updatedAt: setupAt,
      };
      await storage.createEndpoint(endpoint);
      // Mostly healthy; endpoint 3 is flaky, 7 is misconfigured (404s), 11 has two outages, 15 is slow and times out.
      const span = endMs - startMs;
      const profile: EndpointProfile =
        e === 3 || e === 13
          ? { endpoint, failRate: 0.25, failures: [[500, 4], [502, 2], [503, 3], ['TIMEOUT', 1]], outages: [], stickiness: 0.5 }
          : e === 7
            ? { endpoint, failRate: 0.35, failures: [[404, 1]], outages: [], stickiness: 0.97 }
            : e === 11
              ? { endpoint, failRate: 0.05, failures: [[503, 3], ['CONNECTION_REFUSED', 1]], outages: [[startMs + 0.3 * span, startMs + 0.3 * span + 6 * 3_600_000], [endMs - 30 * 3_600_000, endMs - 26 * 3_600_000]], stickiness: 0.5 }
              : e === 15
                ? { endpoint, failRate: 0.15, failures: [['TIMEOUT', 5], [503, 1], [429, 1]], outages: [], stickiness: 0.5 }
                : { endpoint, failRate: 0.045, failures: [[500, 4], [503, 3], [502, 1], ['TIMEOUT', 1], ['CONNECTION_REFUSED', 1]], outages: [], stickiness: 0.4 };
      profiles.push(profile);
    }
    workspaces.push({ id, key, profiles });
  }
  const primary = workspaces[0]!;

  // Fan-out per event type, per workspace.
  const subscribers = workspaces.map((ws) =>
    new Map(EVENT_TYPES.map(([type]) => [type, ws.profiles.filter((p) => p.endpoint.eventTypes === null || p.endpoint.eventTypes.includes(type))])),
  );
  const typeWeightTotal = EVENT_TYPES.reduce((sum, [, w]) => sum + w, 0);
  const expectedFanOut =
    subscribers.reduce((sum, byType) => sum + EVENT_TYPES.reduce((s, [type, w]) => s + (w / typeWeightTotal) * byType.get(type)!.length, 0), 0) / workspaceCount;

  const eventBuffers = workspaces.map((): NewEvent[] => []);
  let bufferedEvents = 0;
  let outcomes: AttemptOutcome[] = [];
  let writeMs = 0;
  const flushEvents = async () => {
    const t = performance.now();
    for (let w = 0; w < workspaceCount; w += 1) {
      const buffer = eventBuffers[w]!;
      if (buffer.length === 0) continue;
      const result = await storage.publishEvents(workspaces[w]!.id, buffer, null);
      if (result.kind !== 'created') throw new Error(`publishEvents answered ${result.kind}`);
      eventBuffers[w] = [];
    }
    bufferedEvents = 0;
    writeMs += performance.now() - t;
  };
  const flushOutcomes = async () => {
    if (bufferedEvents > 0) await flushEvents(); // an outcome's event and delivery must exist first
    if (outcomes.length === 0) return;
    const t = performance.now();
    await storage.recordOutcomes(outcomes);
    writeMs += performance.now() - t;
    outcomes = [];
  };

  const payloadOf = (eventId: string, type: string, n: number, callId: string, region: string, at: number): string => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const notes: string[] = [];
    const noteWords = 38 + Math.floor(random() * 20);
    for (let i = 0; i < noteWords; i += 1) {
      // Plain words are frequent; made-up words (2-3 syllables, ~14k of them) give a long tail.
      notes.push(random() < 0.6 ? pick(PLAIN_WORDS) : pick(SYLLABLES) + pick(SYLLABLES) + (random() < 0.5 ? pick(SYLLABLES) : ''));
    }
    if (random() < 0.1) notes.splice(Math.floor(random() * notes.length), 0, COMMON_WORD);
    if (n % RARE_EVERY === 7) notes.splice(Math.floor(random() * notes.length), 0, RARE_WORD);
    const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      sku: `SKU-${1000 + Math.floor(random() * 9000)}`,
      qty: 1 + Math.floor(random() * 4),
      unit_price: 100 * (1 + Math.floor(random() * 200)),
    }));
    return JSON.stringify({
      id: eventId,
      type,
      created_at: new Date(at).toISOString(),
      data: {
        call_id: callId,
        region,
        customer: { id: `cus_${(n * 7919) % 50_000}`, name: `${first} ${last}`, email: `${first}.${last}@example.org`, plan: pick(PLANS) },
        amount: lines.reduce((sum, line) => sum + line.qty * line.unit_price, 0),
        currency: region === 'eu' ? 'EUR' : 'USD',
        lines,
        agent: { id: `agt_${Math.floor(random() * 400)}`, queue: pick(['sales', 'support', 'billing', 'retention']) },
        notes: notes.join(' '),
      },
    });
  };

  const failureOf = (kind: FailureKind, profile: EndpointProfile) => {
    const host = new URL(profile.endpoint.url).hostname;
    switch (kind) {
      case 'TIMEOUT':
        return { httpStatus: null, code: 'TIMEOUT' as DeliveryErrorCode, message: `no response from ${host}:443 within ${TIMEOUT_MS} ms`, duration: TIMEOUT_MS + Math.floor(random() * 5), body: '' };
      case 'CONNECTION_REFUSED':
        return { httpStatus: null, code: 'CONNECTION_REFUSED' as DeliveryErrorCode, message: `connection refused by 203.0.113.${10 + (profile.endpoint.url.length % 200)}:443`, duration: 1 + Math.floor(random() * 4), body: '' };
      case 404:
        return { httpStatus: 404, code: 'HTTP_STATUS' as DeliveryErrorCode, message: 'receiver answered 404', duration: logNormal(40, 0.5, 3, 2000), body: '{"error":"not_found","message":"no route for POST /webhooks/herald"}' };
      case 429:
        return { httpStatus: 429, code: 'HTTP_STATUS' as DeliveryErrorCode, message: 'receiver answered 429', duration: logNormal(25, 0.5, 2, 1000), body: '{"error":"rate_limited"}' };
      case 500:
        return { httpStatus: 500, code: 'HTTP_STATUS' as DeliveryErrorCode, message: 'receiver answered 500', duration: logNormal(180, 0.9, 5, 14_000), body: 'Internal Server Error' };
      case 502:
        return { httpStatus: 502, code: 'HTTP_STATUS' as DeliveryErrorCode, message: 'receiver answered 502', duration: logNormal(60, 0.7, 5, 14_000), body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
      case 503:
        return { httpStatus: 503, code: 'HTTP_STATUS' as DeliveryErrorCode, message: 'receiver answered 503', duration: logNormal(30, 0.7, 2, 14_000), body: '<html><body><h1>503 Service Unavailable</h1>upstream overloaded</body></html>' };
    }
  };

  const SUCCESS_BODIES = ['', 'ok', '{"received":true}', '{"status":"accepted"}', 'OK'];
  const heap = new Heap();
  let eventCount = 0;
  let deliveryCount = 0;
  let attemptCount = 0;
  let succeeded = 0;
  let nextEventAt = startMs;
  let tagValue = '';
  let lastAttemptAt = startMs;
  let firstAttemptAt = 0;
  let nextProgress = Math.max(50_000, Math.ceil(entries / 20));

  const makeEvent = (at: number) => {
    const w = workspaceCount === 1 ? 0 : eventCount % workspaceCount;
    const ws = workspaces[w]!;
    const type = weighted(EVENT_TYPES);
    const n = eventCount;
    eventCount += 1;
    const callId = `call_${Math.floor(n / 3)}`;
    const region = random() < 0.55 ? 'eu' : 'us';
    const tags = { call_id: callId, region };
    const eventId = newId('evt', at);
    const event: EventRecord = { id: eventId, workspaceId: ws.id, type, payload: payloadOf(eventId, type, n, callId, region, at), tags, createdAt: at };
    const deliveries: DeliveryRecord[] = [];
    for (const profile of subscribers[w]!.get(type)!) {
      const delivery: DeliveryRecord = {
        id: newId('dlv', at),
        workspaceId: ws.id,
        eventId,
        endpointId: profile.endpoint.id,
        endpointUrl: profile.endpoint.url,
        eventType: type,
        status: 'queued',
        attemptCount: 0,
        runAt: at,
        nextTrigger: 'scheduled',
        createdAt: at,
        deliveredAt: null,
        responseStatus: null,
        responseLatencyMs: null,
        lastError: null,
        tags,
      };
      deliveries.push(delivery);
      heap.push({ at: at + 3 + Math.floor(random() * random() * 400), attempt: 1, delivery, profile, failedBefore: false });
    }
    deliveryCount += deliveries.length;
    eventBuffers[w]!.push({ event, deliveries });
    bufferedEvents += 1;
    if (tagValue === '' && w === 0 && attemptCount >= entries / 2 && type.startsWith('call.')) tagValue = callId;
  };

  const makeOutcome = (planned: PlannedAttempt): AttemptOutcome => {
    const { at, attempt, delivery, profile } = planned;
    const inOutage = profile.outages.some(([from, to]) => at >= from && at < to);
    const fails = inOutage || random() < (planned.failedBefore ? Math.max(profile.failRate, profile.stickiness) : profile.failRate);
    const reused = random() < 0.85; // keep-alive: no DNS/connect/TLS on a reused socket
    const dnsMs = reused ? null : logNormal(4, 0.8, 0, 200);
    const connectMs = reused ? null : logNormal(12, 0.6, 1, 500);
    const tlsMs = reused ? null : logNormal(25, 0.6, 2, 800);
    let httpStatus: number | null;
    let error: { code: DeliveryErrorCode; message: string } | null = null;
    let duration: number;
    let body: string;
    if (!fails) {
      httpStatus = random() < 0.93 ? 200 : random() < 0.7 ? 202 : 204;
      duration = logNormal(90, 0.75, 2, 12_000);
      body = httpStatus === 204 ? '' : pick(SUCCESS_BODIES);
    } else {
      const kind = inOutage ? (random() < 0.7 ? 'CONNECTION_REFUSED' : 'TIMEOUT') : weighted(profile.failures);
      const f = failureOf(kind, profile);
      httpStatus = f.httpStatus;
      error = { code: f.code, message: f.message };
      duration = f.duration;
      body = f.body;
    }
    duration += (dnsMs ?? 0) + (connectMs ?? 0) + (tlsMs ?? 0);
    const completedAt = at + duration;
    const retry = fails && attempt < MAX_ATTEMPTS;
    const nextAt = retry ? completedAt + Math.round(RETRY_DELAYS[attempt - 1]! * (0.8 + 0.4 * random())) : null;
    if (retry) heap.push({ at: nextAt!, attempt: attempt + 1, delivery, profile, failedBefore: true });
    const status = !fails ? 'succeeded' : retry ? 'pending_retry' : 'failed_permanent';
    return {
      attempt: {
        id: newId('log', at),
        workspaceId: delivery.workspaceId,
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        endpointId: delivery.endpointId,
        endpointUrl: delivery.endpointUrl,
        eventType: delivery.eventType,
        attempt,
        trigger: 'scheduled',
        status: fails ? 'failed' : 'succeeded',
        httpMethod: 'POST',
        httpStatus,
        error,
        durationMs: duration,
        timings: { dnsMs, connectMs, tlsMs, ttfbMs: httpStatus === null ? null : Math.max(1, duration - Math.floor(random() * 3)) },
        willRetry: retry,
        nextAttemptAt: nextAt,
        tags: delivery.tags,
        createdAt: at,
        completedAt,
      },
      detail: {
        requestHeaders: {
          ...profile.endpoint.headers,
          'content-type': 'application/json',
          'user-agent': 'Herald/0.1.0',
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(Math.floor(at / 1000)),
          'webhook-signature': 'v1,<redacted>',
        },
        responseHeaders: httpStatus === null ? {} : { 'content-type': body.startsWith('<') ? 'text/html' : body.startsWith('{') ? 'application/json' : 'text/plain', server: 'nginx' },
        responseBody: body,
        responseBodyTruncated: false,
      },
      delivery: {
        status,
        runAt: nextAt,
        deliveredAt: fails ? null : completedAt,
        responseStatus: httpStatus,
        responseLatencyMs: duration,
        lastError: error,
      },
    };
  };

  // One time-ordered walk: the next event or the next due attempt, whichever comes first.
  // The event rate adapts so that the `entries`-th attempt lands near `endMs`.
  let attemptsPerEvent = expectedFanOut * 1.2;
  while (attemptCount < entries) {
    const due = heap.peek();
    if (due === undefined || nextEventAt <= due.at) {
      makeEvent(nextEventAt);
      if (bufferedEvents >= eventBatch) await flushEvents();
      if (eventCount % 1000 === 0 && attemptCount > 20_000) attemptsPerEvent = attemptCount / eventCount;
      const remainingEvents = Math.max(1, (entries - attemptCount) / attemptsPerEvent);
      const gap = Math.max(1, (endMs - nextEventAt) / remainingEvents);
      nextEventAt += Math.max(1, Math.round(gap * -Math.log(Math.max(random(), 1e-9)))); // Poisson arrivals
      continue;
    }
    heap.pop();
    const outcome = makeOutcome(due);
    outcomes.push(outcome);
    attemptCount += 1;
    if (outcome.attempt.status === 'succeeded') succeeded += 1;
    if (firstAttemptAt === 0) firstAttemptAt = due.at;
    lastAttemptAt = due.at;
    if (outcomes.length >= outcomeBatch) await flushOutcomes();
    if (attemptCount >= nextProgress) {
      nextProgress += Math.max(50_000, Math.ceil(entries / 20));
      const s = (performance.now() - started) / 1000;
      log(`  ${attemptCount.toLocaleString('en')} entries, ${eventCount.toLocaleString('en')} events, ${s.toFixed(1)} s (${Math.round(attemptCount / s).toLocaleString('en')} entries/s, ${Math.round(writeMs / 1000)} s in storage)`);
    }
  }
  await flushOutcomes();
  await flushEvents(); // events created after the last attempt (their deliveries are queued)
  if (options.mergeAfterLoad ?? true) {
    const t = performance.now();
    const steps = mergeSearchIndex(connection);
    log(`  search index merged to its steady state in ${((performance.now() - t) / 1000).toFixed(1)} s (${steps} merge steps)`);
  }
  await storage.close(); // checkpoints the WAL into the file
  if (shimmed() > 0) log('  (FTS insert shim applied: the storage\'s INSERT … SELECT into attempts_search ran as INSERT … VALUES; see bench/generate-log.ts)');
  else if (options.ftsInsertShim ?? true) log('  (FTS insert shim not needed: the storage no longer uses INSERT … SELECT)');

  const seconds = (performance.now() - started) / 1000;
  const result: GeneratedLog = {
    path: resolve(path),
    seed,
    entries: attemptCount,
    events: eventCount,
    deliveries: deliveryCount,
    workspaceId: primary.id,
    workspaceIds: workspaces.map((ws) => ws.id),
    apiKey: primary.key,
    apiKeys: workspaces.map((ws) => ws.key),
    endpointIds: primary.profiles.map((p) => p.endpoint.id),
    flakyEndpointId: primary.profiles[Math.min(3, primary.profiles.length - 1)]!.endpoint.id,
    tagKey: 'call_id',
    tagValue: tagValue || 'call_0',
    commonWord: COMMON_WORD,
    rareWord: RARE_WORD,
    startMs: firstAttemptAt,
    endMs: lastAttemptAt,
    succeededShare: succeeded / attemptCount,
    ftsInsertShimApplied: shimmed() > 0,
    seconds,
    dbBytes: existsSync(path) ? statSync(path).size : 0,
  };
  writeFileSync(`${path}.meta.json`, `${JSON.stringify(result, null, 2)}\n`);
  log(
    `generated ${attemptCount.toLocaleString('en')} entries (${(100 * result.succeededShare).toFixed(1)} % succeeded), ` +
      `${eventCount.toLocaleString('en')} events, ${deliveryCount.toLocaleString('en')} deliveries in ${seconds.toFixed(1)} s ` +
      `(${Math.round(writeMs / 1000)} s in storage); ${(result.dbBytes / 2 ** 20).toFixed(0)} MiB at ${result.path}`,
  );
  return result;
}

if (import.meta.main) {
  const [path, entriesText] = process.argv.slice(2);
  if (path === undefined) {
    console.error('usage: node bench/generate-log.ts <path> [entries]');
    process.exit(2);
  }
  const entries = entriesText === undefined ? 1_000_000 : Number(entriesText.replaceAll('_', ''));
  await generateLog(path, { entries });
}
