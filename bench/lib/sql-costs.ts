import { writeFileSync } from 'node:fs';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import { isMainThread } from 'node:worker_threads';

// Preloaded into a Herald process by `npm run bench -- --sql-costs` (`node --import`): times every
// SQLite call of the main thread, by SQL text, and writes the totals to the file named by
// HERALD_BENCH_SQL_COSTS when the process exits. node:sqlite is synchronous, so a call's wall time is
// time the event loop could do nothing else (CPU, plus any wait for the disk or a lock). Herald's code
// is not touched: node:sqlite's own methods are wrapped, and only in the processes the bench starts so.

/** One statement's totals, as written to the file. */
export interface SqlCost {
  sql: string;
  calls: number;
  ms: number;
}

const out = process.env.HERALD_BENCH_SQL_COSTS;
if (out && isMainThread) {
  const totals = new Map<string, { calls: number; ns: bigint }>();
  const count = (sql: string, started: bigint) => {
    const entry = totals.get(sql) ?? { calls: 0, ns: 0n };
    entry.calls += 1;
    entry.ns += process.hrtime.bigint() - started;
    totals.set(sql, entry);
  };
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown;
    (StatementSync.prototype as unknown as Record<string, unknown>)[method] = function (this: StatementSync, ...args: unknown[]) {
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        count(this.sourceSQL, started);
      }
    };
  }
  const exec = DatabaseSync.prototype.exec;
  DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
    const started = process.hrtime.bigint();
    try {
      return exec.call(this, sql);
    } finally {
      count(sql, started);
    }
  };
  process.on('exit', () => {
    const costs: SqlCost[] = [...totals].map(([sql, { calls, ns }]) => ({ sql: sql.replace(/\s+/g, ' ').trim(), calls, ms: Number(ns) / 1e6 }));
    writeFileSync(out, JSON.stringify(costs.sort((a, b) => b.ms - a.ms)));
  });
}
