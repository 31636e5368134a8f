import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SqlCost } from '../../bench/lib/sql-costs.ts';

// `npm run bench -- --sql-costs` preloads bench/lib/sql-costs.ts into Herald: it must count every
// SQLite call of the main thread by its SQL, with the time spent in it, and leave other threads out.

const PRELOAD = join(import.meta.dirname, '..', '..', 'bench', 'lib', 'sql-costs.ts');

const SCRIPT = `
const { DatabaseSync } = require('node:sqlite');
const { Worker } = require('node:worker_threads');
const db = new DatabaseSync(':memory:');
db.exec('CREATE TABLE t (n INTEGER)');
const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
for (let n = 0; n < 5; n += 1) insert.run(n);
const slow = db.prepare('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT COUNT(*) AS k FROM c');
slow.get();
slow.get();
for (const row of db.prepare('SELECT n FROM t').iterate()) void row;
new Worker("new (require('node:sqlite').DatabaseSync)(':memory:').exec('CREATE TABLE in_a_thread (n)')", { eval: true });
`;

test('every SQLite call of the main thread is counted by its SQL, with its time; other threads are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sql-costs-'));
  try {
    const out = join(dir, 'costs.json');
    const child = spawnSync(process.execPath, ['--import', PRELOAD, '-e', SCRIPT], { env: { ...process.env, HERALD_BENCH_SQL_COSTS: out }, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const costs = JSON.parse(readFileSync(out, 'utf8')) as SqlCost[];
    const bySql = new Map(costs.map((cost) => [cost.sql, cost]));
    assert.equal(bySql.get('CREATE TABLE t (n INTEGER)')?.calls, 1, 'exec');
    assert.equal(bySql.get('INSERT INTO t (n) VALUES (?)')?.calls, 5, 'run');
    assert.equal(bySql.get('SELECT n FROM t')?.calls, 1, 'iterate');
    const slow = costs.find((cost) => cost.sql.startsWith('WITH RECURSIVE'));
    assert.equal(slow?.calls, 2, 'get');
    assert.equal(costs[0], slow, `the costliest first: ${JSON.stringify(costs)}`);
    assert.ok(slow!.ms > 10 * bySql.get('INSERT INTO t (n) VALUES (?)')!.ms, 'the time of each call is counted');
    assert.ok(!costs.some((cost) => cost.sql.includes('in_a_thread')), 'the worker thread is left out');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without HERALD_BENCH_SQL_COSTS the preload changes nothing and writes nothing', () => {
  const child = spawnSync(process.execPath, ['--import', PRELOAD, '-e', `${SCRIPT}; console.log(require('node:sqlite').StatementSync.prototype.run.name)`], {
    env: { ...process.env, HERALD_BENCH_SQL_COSTS: '' },
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'run', 'node:sqlite left as it is');
});
