import { readdirSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import type { ApiClient } from '../../support/herald.ts';

// What the chaos scenarios look at from outside Herald: the API, /metrics, /proc and the SQLite file.

/** `PRAGMA integrity_check` on the file, through a connection of its own. */
export function integrityCheck(path: string): string {
  const db = new DatabaseSync(path);
  try {
    return String(db.prepare('PRAGMA integrity_check').get()?.integrity_check);
  } finally {
    db.close();
  }
}

/** Rows of a read-only query on the SQLite file (Herald may be running: WAL readers never block it). */
export function queryFile(path: string, sql: string): Array<Record<string, unknown>> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

/** CPU time (user + system) a process has used so far, in ms; Linux /proc only, else null. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** CPU time (ms) per thread name of a process (`/proc/<pid>/task/*`), e.g. MainThread, WorkerThread; Linux only. */
export function threadCpuMs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const name = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    }
  } catch {
    // gone, or not Linux
  }
  return byName;
}

/** The unlabelled samples of Herald's /metrics (e.g. `herald_process_process_resident_memory_bytes`). */
export async function scrapeMetrics(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z0-9_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match) samples.set(match[2] ? `${match[1]}{${match[2]}}` : match[1]!, Number(match[3]));
  }
  return samples;
}

export const RSS = 'herald_process_process_resident_memory_bytes';
/** prom-client's monitorEventLoopDelay p99 since the previous scrape (its histogram resets on each collect). */
export const LAG_P99 = 'herald_process_nodejs_eventloop_lag_p99_seconds';

/** Counts of deliveries per status, through the API. */
export async function deliveryCounts(api: ApiClient): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const status of ['queued', 'delivering', 'pending_retry', 'succeeded', 'failed_permanent']) {
    const page = await api.get(`/v1/deliveries?status=${status}&count=true&limit=1`);
    if (page.status !== 200) throw new Error(`GET /v1/deliveries answered ${page.status}: ${page.text.slice(0, 200)}`);
    counts[status] = page.json.meta.total;
  }
  return counts;
}

/** Unfinished deliveries: queued, delivering or pending_retry. */
export function unfinished(counts: Record<string, number>): number {
  return (counts.queued ?? 0) + (counts.delivering ?? 0) + (counts.pending_retry ?? 0);
}

/** `event_id|endpoint_id` of every log entry with `status=succeeded`, read page by page. */
export async function succeededAttempts(api: ApiClient): Promise<Set<string>> {
  const pairs = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await api.get(`/v1/logs?status=succeeded&limit=500&fields=event_id,endpoint_id${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (page.status !== 200) throw new Error(`GET /v1/logs answered ${page.status}: ${page.text.slice(0, 200)}`);
    for (const entry of page.json.data as Array<{ event_id: string; endpoint_id: string }>) pairs.add(`${entry.event_id}|${entry.endpoint_id}`);
    cursor = page.json.meta.next_cursor;
  } while (cursor);
  return pairs;
}

/** Nearest-rank percentile of `values` (0 when empty). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(0)} MB`);
