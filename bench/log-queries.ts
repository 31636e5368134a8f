import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DatabaseSync, StatementSync, type SQLInputValue } from 'node:sqlite';
import { pino } from 'pino';
import { loadConfig } from '../src/config.ts';
import { startHerald, type Herald } from '../src/herald.ts';
import { generateLog, type GeneratedLog } from './generate-log.ts';

// `npm run bench:log` (`-- --quick` = 100,000 entries, `-- --entries N`, default 1,000,000): the log's
// read paths over HTTP against a generated database (bench/.data/, reused while its entry count
// matches). Each query: 5 warm-ups, then 50 timed runs, one at a time; p50/p99 in ms, and the ratio
// to the first page's p50 so results compare across machines. Then one more run of each with the
// SQL it executed recorded, for EXPLAIN QUERY PLAN of anything slower than 10 ms at p99.
// Last, on a copy of the database: the first page while retention (purgeBatch) runs in-process.

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string' },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string', default: '50' },
    warmups: { type: 'string', default: '5' },
    'skip-purge': { type: 'boolean', default: false },
    'purge-seconds': { type: 'string', default: '600' },
    'purge-batch': { type: 'string', default: '100' },
    'purge-pause-ms': { type: 'string', default: '10' },
  },
});
const ENTRIES = args.entries !== undefined ? Number(args.entries.replaceAll('_', '')) : args.quick ? 100_000 : 1_000_000;
const RUNS = Number(args.runs);
const WARMUPS = Number(args.warmups);
const SLOW_P99_MS = 10;
const DEEP_PAGES = 200; // page 200 of 50: entries 9,951–10,000
const PAGE_SIZE = 50;
const PURGE_LIMIT = Number(args['purge-batch']); // the defaults are src/services/retention.ts's: 100 and a 10 ms pause
const PURGE_PAUSE_MS = Number(args['purge-pause-ms']); // 0: setImmediate between batches
const PURGE_AGE_MS = 3 * 86_400_000;
const PURGE_MAX_MS = Number(args['purge-seconds']) * 1000; // the purge stops there; the rate is over what ran
const DATA_DIR = join(import.meta.dirname, '.data');
const RESULTS_DIR = join(import.meta.dirname, 'results');

if (!Number.isInteger(ENTRIES) || ENTRIES <= 0) throw new Error('--entries must be a positive whole number');

// ---- SQL capture: every statement any connection in this process runs, while `captured` is set.

interface CapturedStatement {
  sql: string;
  params: SQLInputValue[];
  ms: number;
}
let captured: CapturedStatement[] | null = null;
for (const method of ['all', 'get', 'run', 'iterate'] as const) {
  const original = StatementSync.prototype[method] as (...params: SQLInputValue[]) => unknown;
  (StatementSync.prototype as unknown as Record<string, unknown>)[method] = function (this: StatementSync, ...params: SQLInputValue[]) {
    if (captured === null) return original.apply(this, params);
    const started = performance.now();
    const result = original.apply(this, params);
    captured.push({ sql: this.sourceSQL, params, ms: performance.now() - started });
    return result;
  };
}

// ---- The data set.

function entriesIn(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number((db.prepare('SELECT COUNT(*) AS n FROM attempts').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

async function dataSet(): Promise<{ meta: GeneratedLog; path: string; generated: boolean }> {
  mkdirSync(DATA_DIR, { recursive: true });
  const path = join(DATA_DIR, `log-${ENTRIES}.db`);
  const metaPath = `${path}.meta.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as GeneratedLog;
    const count = entriesIn(path);
    if (meta.entries === ENTRIES && count === ENTRIES) {
      console.log(`reusing ${path} (${count.toLocaleString('en')} entries, generated in ${meta.seconds.toFixed(0)} s)`);
      return { meta, path, generated: false };
    }
    console.log(`${path} holds ${count.toLocaleString('en')} entries, not ${ENTRIES.toLocaleString('en')}: generating it again`);
  }
  console.log(`generating ${ENTRIES.toLocaleString('en')} log entries into ${path}`);
  const meta = await generateLog(path, { entries: ENTRIES });
  return { meta, path, generated: true };
}

// ---- Herald and HTTP.

async function start(path: string, apiKey: string): Promise<Herald & { url: string }> {
  const config = loadConfig({
    HERALD_PORT: '0',
    HERALD_HOST: '127.0.0.1',
    HERALD_DATABASE_URL: path,
    HERALD_API_KEY: apiKey,
    HERALD_ROLE: 'api',
    HERALD_LOG_LEVEL: 'silent',
    // Queries are timed back to back: at ~1 ms each, the purge's first-page loop passed the default
    // 1,000 requests/s per key and was answered 429. The limiter is not what this bench measures.
    HERALD_API_RATE_LIMIT: '0',
  });
  const herald = await startHerald({ config, logger: pino({ level: 'silent' }) });
  if (herald.url === null) throw new Error('Herald is not listening');
  return herald as Herald & { url: string };
}

interface Response {
  status: number;
  ms: number;
  bytes: number;
  lines: number;
  json: unknown;
}

/** One request, timed to the last byte of the body. `stream`: count bytes and lines without keeping the body. */
async function request(base: string, apiKey: string, path: string, stream = false): Promise<Response> {
  const started = performance.now();
  const response = await fetch(base + path, { headers: { authorization: `Bearer ${apiKey}` } });
  let bytes = 0;
  let lines = 0;
  let json: unknown = null;
  if (stream && response.body) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    }
  } else {
    const text = await response.text();
    bytes = text.length;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
  }
  return { status: response.status, ms: performance.now() - started, bytes, lines, json };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

interface QuerySpec {
  name: string;
  path: string;
  /** Read the body as a stream (export): rows = lines. */
  stream?: boolean;
  /** Statuses that mean "this route does not exist yet". */
  notAvailableOn?: number[];
}

interface QueryResult {
  name: string;
  path: string;
  status: 'ok' | 'not available' | 'error';
  note?: string;
  runs: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  rows: number | null;
  bytes: number | null;
  rowsPerS?: number;
  /** Time inside SQLite during one extra run (the rest is HTTP, JSON and Herald's own work). */
  sqlMs?: number;
  /** The SQL one extra run executed, slowest first. */
  statements?: Array<{ sql: string; params: SQLInputValue[]; ms: number }>;
  plans?: Array<{ sql: string; ms: number; plan: string[] }>;
}

function rowsOf(response: Response, stream: boolean): number | null {
  if (stream) return response.lines;
  const data = (response.json as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data.length : null;
}

async function measure(base: string, apiKey: string, spec: QuerySpec): Promise<QueryResult> {
  const stream = spec.stream ?? false;
  const first = await request(base, apiKey, spec.path, stream);
  const empty = { name: spec.name, path: spec.path, runs: 0, p50: null, p99: null, max: null, rows: null, bytes: null };
  if ((spec.notAvailableOn ?? []).includes(first.status)) return { ...empty, status: 'not available', note: `HTTP ${first.status}` };
  if (first.status !== 200) {
    return { ...empty, status: 'error', note: `HTTP ${first.status}: ${JSON.stringify(first.json).slice(0, 300)}` };
  }
  // A slow request (an export, /stats at 1M) gets fewer runs so the bench stays minutes long; the
  // table says how many. Judged on a warm request: the first one after start can be slow for other reasons.
  const warm = first.ms > 1000 ? await request(base, apiKey, spec.path, stream) : first;
  const slow = warm.ms > 1000;
  const runs = slow ? Math.min(RUNS, 10) : RUNS;
  const warmups = slow ? 2 : WARMUPS;
  for (let i = warm === first ? 1 : 2; i < warmups; i += 1) await request(base, apiKey, spec.path, stream);
  const times: number[] = [];
  let last = first;
  for (let i = 0; i < runs; i += 1) {
    last = await request(base, apiKey, spec.path, stream);
    if (last.status !== 200) return { ...empty, status: 'error', note: `HTTP ${last.status} on run ${i + 1}` };
    times.push(last.ms);
  }
  captured = [];
  await request(base, apiKey, spec.path, stream);
  const statements = captured.sort((a, b) => b.ms - a.ms);
  captured = null;
  times.sort((a, b) => a - b);
  const rows = rowsOf(last, stream);
  const p50 = percentile(times, 0.5);
  return {
    ...empty,
    status: 'ok',
    runs,
    p50,
    p99: percentile(times, 0.99),
    max: times.at(-1)!,
    rows,
    bytes: last.bytes,
    ...(stream && rows !== null ? { rowsPerS: Math.round(rows / (p50 / 1000)) } : {}),
    sqlMs: statements.reduce((sum, s) => sum + s.ms, 0),
    statements,
  };
}

/**
 * EXPLAIN QUERY PLAN of each statement, with the same parameters, through a second connection
 * opened while Herald still has the file open (a read-only connection to a WAL database whose
 * -wal/-shm are gone after a clean close can answer "database is locked").
 */
function explain(path: string, statements: CapturedStatement[]): Array<{ sql: string; ms: number; plan: string[] }> {
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA query_only = ON');
    return statements
      .filter((s) => /^\s*SELECT/i.test(s.sql) && !/FROM api_keys|FROM endpoints WHERE id = \?/.test(s.sql))
      .map((s) => {
        try {
          const rows = db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as Array<{ id: number; parent: number; detail: string }>;
          const depth = new Map<number, number>([[0, -1]]);
          const plan = rows.map((row) => {
            const d = (depth.get(row.parent) ?? -1) + 1;
            depth.set(row.id, d);
            return `${'  '.repeat(d)}${row.detail}`;
          });
          return { sql: inline(s.sql, s.params), ms: s.ms, plan };
        } catch (error) {
          return { sql: inline(s.sql, s.params), ms: s.ms, plan: [`(EXPLAIN failed: ${(error as Error).message})`] };
        }
      });
  } finally {
    db.close();
  }
}

/** The SQL with its parameters written in, for reading and for pasting into sqlite3. */
function inline(sql: string, params: SQLInputValue[]): string {
  let i = 0;
  const text = sql.replace(/\?(\d*)/g, (_, n: string) => {
    const value = params[n === '' ? i++ : Number(n) - 1];
    return typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value);
  });
  return text.replace(/\s+/g, ' ').trim();
}

// ---- Purge while serving.

interface PurgeResult {
  status: 'ok' | 'not available';
  note?: string;
  baseline?: { runs: number; p50: number; p99: number };
  during?: { runs: number; p50: number; p99: number; max: number };
  batches?: number;
  batchMs?: { p50: number; p99: number; max: number };
  purged?: { attempts: number; deliveries: number; events: number; idempotencyKeys: number };
  seconds?: number;
  attemptsPerS?: number;
}

async function purgeWhileServing(path: string, meta: GeneratedLog): Promise<PurgeResult> {
  const copy = join(DATA_DIR, `purge-copy-${ENTRIES}.db`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
  copyFileSync(path, copy);
  // Flush the copy to disk first: gigabytes of dirty pages in the OS cache made the first purge
  // batch wait seconds on writeback (measured 3-4 s), which is the copy's cost, not the purge's.
  const fd = openSync(copy, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  const herald = await start(copy, meta.apiKey);
  try {
    const storage = herald.storage as Partial<typeof herald.storage>;
    if (typeof storage.purgeBatch !== 'function') return { status: 'not available', note: 'storage.purgeBatch does not exist' };
    const firstPage = `/v1/logs?limit=${PAGE_SIZE}`;
    const baseline = await measure(herald.url, meta.apiKey, { name: 'first page (copy, no purge)', path: firstPage });
    const cutoff = meta.endMs - PURGE_AGE_MS;
    const idempotencyCutoff = meta.endMs - 86_400_000;
    const purged = { attempts: 0, deliveries: 0, events: 0, idempotencyKeys: 0 };
    const batchMs: number[] = [];
    let purging = true;
    let stopped = false;
    const started = performance.now();
    const loop = (async () => {
      try {
        for (;;) {
          const t = performance.now();
          const counts = await storage.purgeBatch!(cutoff, idempotencyCutoff, PURGE_LIMIT);
          batchMs.push(performance.now() - t);
          purged.attempts += counts.attempts;
          purged.deliveries += counts.deliveries;
          purged.events += counts.events;
          purged.idempotencyKeys += counts.idempotencyKeys;
          if (counts.attempts + counts.deliveries + counts.events + counts.idempotencyKeys === 0) break;
          if (performance.now() - started > PURGE_MAX_MS) {
            stopped = true;
            break;
          }
          await new Promise((resolve) => (PURGE_PAUSE_MS > 0 ? setTimeout(resolve, PURGE_PAUSE_MS) : setImmediate(resolve)));
        }
      } finally {
        purging = false;
      }
    })();
    const during: number[] = [];
    while (purging) {
      const response = await request(herald.url, meta.apiKey, firstPage);
      if (response.status !== 200) throw new Error(`first page answered ${response.status} during the purge`);
      during.push(response.ms);
    }
    await loop;
    const seconds = (performance.now() - started) / 1000;
    during.sort((a, b) => a - b);
    batchMs.sort((a, b) => a - b);
    return {
      status: 'ok',
      baseline: { runs: baseline.runs, p50: baseline.p50!, p99: baseline.p99! },
      during: { runs: during.length, p50: percentile(during, 0.5), p99: percentile(during, 0.99), max: during.at(-1) ?? Number.NaN },
      batches: batchMs.length,
      batchMs: { p50: percentile(batchMs, 0.5), p99: percentile(batchMs, 0.99), max: batchMs.at(-1)! },
      purged,
      seconds,
      attemptsPerS: Math.round(purged.attempts / seconds),
      ...(stopped ? { note: `stopped after ${args['purge-seconds']} s, not finished` } : {}),
    };
  } finally {
    await herald.stop();
    for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
  }
}

// ---- Main.

const loadAtStart = loadavg();
const { meta, path, generated } = await dataSet();
const dbBytes = statSync(path).size;

// The endpoint of median volume, for the export (and its entry count, to read rows/s against).
const volumes = (() => {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db
      .prepare('SELECT endpoint_id AS id, COUNT(*) AS n FROM attempts WHERE workspace_id = ? GROUP BY endpoint_id ORDER BY n')
      .all(meta.workspaceId) as Array<{ id: string; n: number }>;
  } finally {
    db.close();
  }
})();
const exportEndpoint = volumes[Math.floor(volumes.length / 2)]!;

const herald = await start(path, meta.apiKey);
const results: QueryResult[] = [];
let purge: PurgeResult | null = null;
try {
  const get = async (p: string) => {
    const response = await request(herald.url, meta.apiKey, p);
    if (response.status !== 200) throw new Error(`${p} answered ${response.status}: ${JSON.stringify(response.json)}`);
    return response.json as { data: Array<{ id: string }>; meta: { next_cursor: string | null } };
  };
  // Walk to page 200 once with cursors; the timed request is the one reading entries 9,951–10,000.
  let cursor: string | null = null;
  for (let page = 1; page < DEEP_PAGES; page += 1) {
    const body = await get(`/v1/logs?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    cursor = body.meta.next_cursor;
    if (cursor === null) break;
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  const q = (params: Record<string, string | number>) =>
    `/v1/logs?${Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
  const specs: QuerySpec[] = [
    { name: 'first page', path: q({ limit: PAGE_SIZE }) },
    ...(cursor === null ? [] : [{ name: `cursor page ${DEEP_PAGES} (~${DEEP_PAGES * PAGE_SIZE} deep)`, path: q({ limit: PAGE_SIZE, cursor }) }]),
    { name: `page mode page=${DEEP_PAGES} (OFFSET ${(DEEP_PAGES - 1) * PAGE_SIZE})`, path: q({ page: DEEP_PAGES, page_size: PAGE_SIZE }) },
    {
      name: 'status=failed + endpoint_id + 24 h window',
      path: q({ status: 'failed', endpoint_id: meta.flakyEndpointId, start_time: iso(meta.endMs - 2 * 86_400_000), end_time: iso(meta.endMs - 86_400_000), limit: PAGE_SIZE }),
    },
    { name: `tag[${meta.tagKey}]=<one call>`, path: q({ [`tag[${meta.tagKey}]`]: meta.tagValue, limit: PAGE_SIZE }) },
    { name: 'http_status[gte]=500', path: q({ 'http_status[gte]': 500, limit: PAGE_SIZE }) },
    { name: `search=${meta.commonWord} (~10 % of entries)`, path: q({ search: meta.commonWord, limit: PAGE_SIZE }) },
    { name: `search=${meta.rareWord} (a few dozen entries)`, path: q({ search: meta.rareWord, limit: PAGE_SIZE }) },
    { name: 'first page + count=true', path: q({ limit: PAGE_SIZE, count: 'true' }) },
    // `until` = the data's last entry, so a database generated earlier still has a full last 24 h.
    { name: 'GET /v1/stats (last 24 h)', path: `/v1/stats?until=${encodeURIComponent(iso(meta.endMs + 1))}`, notAvailableOn: [404] },
    {
      name: 'GET /v1/endpoints/{id}/stats (last 24 h)',
      path: `/v1/endpoints/${meta.flakyEndpointId}/stats?until=${encodeURIComponent(iso(meta.endMs + 1))}`,
      notAvailableOn: [404],
    },
    {
      name: `export ndjson, one endpoint (${exportEndpoint.n.toLocaleString('en')} entries)`,
      path: `/v1/logs/export?format=ndjson&endpoint_id=${exportEndpoint.id}`,
      stream: true,
      notAvailableOn: [404],
    },
  ];
  for (const spec of specs) {
    const result = await measure(herald.url, meta.apiKey, spec);
    results.push(result);
    const shown = result.status === 'ok' ? `p50 ${result.p50!.toFixed(2)} ms, p99 ${result.p99!.toFixed(2)} ms, ${result.rows} rows` : `${result.status} (${result.note})`;
    console.log(`  ${spec.name}: ${shown}`);
  }
  for (const result of results) {
    if (result.status === 'ok' && result.p99! > SLOW_P99_MS && result.statements) {
      result.plans = explain(path, result.statements.slice(0, 4));
    }
  }
} finally {
  await herald.stop();
}

if (!args['skip-purge']) {
  console.log('purge: copying the database and purging entries older than 3 days while serving the first page');
  purge = await purgeWhileServing(path, meta);
}

// ---- Report.

const firstP50 = results.find((r) => r.name === 'first page')?.p50 ?? Number.NaN;
const fmt = (n: number | null | undefined, digits = 2) => (n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
const ratio = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${(n / firstP50).toFixed(1)}×`);
const stamp = new Date().toISOString();
const lines = [
  `# Herald log queries, ${stamp}`,
  '',
  `${meta.entries.toLocaleString('en')} log entries (${meta.events.toLocaleString('en')} events, ${meta.deliveries.toLocaleString('en')} deliveries, ` +
    `${(100 * meta.succeededShare).toFixed(1)} % succeeded), ${(dbBytes / 2 ** 20).toFixed(0)} MiB database` +
    `${generated ? `, generated in ${meta.seconds.toFixed(0)} s this run` : `, reused (generated in ${meta.seconds.toFixed(0)} s)`}. ` +
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average at start ${loadAtStart.map((l) => l.toFixed(1)).join(' ')}. ` +
    `${RUNS} timed runs after ${WARMUPS} warm-ups, sequential, over HTTP to 127.0.0.1 (time to last byte). p99 of 50 runs is the slowest run.`,
  '',
  '| query | p50 ms | p99 ms | ratio to first page p50 | rows | runs | ms in SQLite (one run) |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...results.map((r) =>
    r.status === 'ok'
      ? `| ${r.name} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${ratio(r.p50)} | ${r.rows ?? '–'}${r.rowsPerS ? ` (${r.rowsPerS.toLocaleString('en')} rows/s)` : ''} | ${r.runs} | ${fmt(r.sqlMs)} |`
      : `| ${r.name} | ${r.status} | | | ${r.note ?? ''} | | |`,
  ),
];
if (purge?.status === 'ok') {
  lines.push(
    `| first page, copy of the db, no purge | ${fmt(purge.baseline!.p50)} | ${fmt(purge.baseline!.p99)} | ${ratio(purge.baseline!.p50)} | | ${purge.baseline!.runs} | |`,
    `| first page WHILE purgeBatch(…, ${PURGE_LIMIT}) loops${PURGE_PAUSE_MS > 0 ? ` (${PURGE_PAUSE_MS} ms pauses)` : ''} | ${fmt(purge.during!.p50)} | ${fmt(purge.during!.p99)} | ${ratio(purge.during!.p50)} | max ${fmt(purge.during!.max)} ms | ${purge.during!.runs} | |`,
    '',
    `Purge of entries older than 3 days: ${purge.purged!.attempts.toLocaleString('en')} entries, ${purge.purged!.deliveries.toLocaleString('en')} deliveries, ` +
      `${purge.purged!.events.toLocaleString('en')} events in ${purge.seconds!.toFixed(1)} s = **${purge.attemptsPerS!.toLocaleString('en')} entries/s** ` +
      `(${purge.batches} batches of ≤ ${PURGE_LIMIT}; one batch p50 ${fmt(purge.batchMs!.p50)} ms, p99 ${fmt(purge.batchMs!.p99)} ms, max ${fmt(purge.batchMs!.max)} ms — ` +
      'on SQLite the batches run on their own thread and connection, so they hold the write lock, not the event loop)' +
      `${purge.note ? ` — ${purge.note}` : ''}.`,
  );
} else if (purge) {
  lines.push(`| first page WHILE purgeBatch loops | not available | | | ${purge.note ?? ''} | | |`);
}
const slow = results.filter((r) => r.plans && r.plans.length > 0);
if (slow.length > 0) {
  lines.push('', `## Query plans (queries over ${SLOW_P99_MS} ms at p99)`);
  for (const r of slow) {
    lines.push('', `### ${r.name} — p99 ${fmt(r.p99)} ms`, '');
    for (const p of r.plans!) lines.push('```sql', `-- ${p.ms.toFixed(2)} ms in SQLite`, p.sql, '```', '```', ...p.plan, '```');
  }
}
const markdown = `${lines.join('\n')}\n`;
console.log(`\n${markdown}`);
mkdirSync(RESULTS_DIR, { recursive: true });
const file = join(RESULTS_DIR, `log-queries-${stamp.replace(/[:.]/g, '-')}`);
writeFileSync(`${file}.md`, markdown);
writeFileSync(
  `${file}.json`,
  `${JSON.stringify(
    {
      at: stamp,
      entries: meta.entries,
      dbBytes,
      generatedThisRun: generated,
      generation: { seconds: meta.seconds, events: meta.events, deliveries: meta.deliveries, succeededShare: meta.succeededShare, ftsInsertShimApplied: meta.ftsInsertShimApplied },
      node: process.version,
      cpus: cpus().length,
      loadAverageAtStart: loadAtStart,
      runs: RUNS,
      warmups: WARMUPS,
      firstPageP50: firstP50,
      results: results.map(({ statements: _statements, ...rest }) => rest),
      purgeSettings: { batch: PURGE_LIMIT, pauseMs: PURGE_PAUSE_MS, olderThanMs: PURGE_AGE_MS, maxSeconds: PURGE_MAX_MS / 1000 },
      purge,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${file}.md and .json`);
process.exit(0);
