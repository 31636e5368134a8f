import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { generateLog, type GeneratedLog } from '../../bench/generate-log.ts';
import type { KeysetPosition, ListWindow } from '../../src/storage/list-query.ts';
import { ATTEMPT_SORT } from '../../src/storage/sql/columns.ts';
import { attemptWhere } from '../../src/storage/sql/filters.ts';
import { windowSql } from '../../src/storage/sql/list-sql.ts';
import { SqliteDatabase } from '../../src/storage/sqlite/sqlite-database.ts';
import { SqliteSearch } from '../../src/storage/sqlite/sqlite-search.ts';
import type { AttemptFilters, AttemptSortField } from '../../src/storage/storage.ts';

// `search=` on SQLite finds a common word's page by walking the log window by window, and asks for a
// plain word's prefix as the whole terms it names. Both must answer exactly what a plain FTS5 prefix
// query over the whole log answers, page after page. The tuning here is small, so a 4,000-entry log
// takes every path: walks that finish in the first window, in the second, and ones that give up.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

describe('SQLite log search', () => {
  let dir: string;
  let log: GeneratedLog;
  let db: SqliteDatabase;
  let search: SqliteSearch;
  let raw: DatabaseSync;
  let workspaceId: string;
  let endpointId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-search-'));
    log = await generateLog(join(dir, 'log.db'), { entries: 4_000, days: 1, endpoints: 3, endMs: Date.UTC(2026, 0, 15), log: () => {} });
    db = new SqliteDatabase(log.path, { upkeepThread: false });
    search = new SqliteSearch(db, { manyMatches: 40, walkWindows: [60, 400] });
    raw = new DatabaseSync(log.path, { readOnly: true });
    workspaceId = String((raw.prepare('SELECT id FROM workspaces LIMIT 1').get() as Row).id);
    endpointId = String((raw.prepare('SELECT id FROM endpoints LIMIT 1').get() as Row).id);
  });
  after(() => {
    raw?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The answer of plain FTS5 prefix phrases over the whole log, sorted by (created_at, id). */
  function oracle(words: string[], filters: AttemptFilters, descending: boolean, after: KeysetPosition | undefined, limit: number): string[] {
    const match = words.map((word) => `"${word}"*`).join(' AND ');
    const scope = ['workspace_id = ?'];
    const params: Array<string | number> = [filters.workspaceId];
    if (filters.endpointId) (scope.push('endpoint_id = ?'), params.push(filters.endpointId));
    if (filters.status) (scope.push('status = ?'), params.push(filters.status));
    const rows = raw
      .prepare(`SELECT id, created_at FROM attempts WHERE ${scope.join(' AND ')} AND rowid IN (SELECT rowid FROM attempts_search WHERE attempts_search MATCH ?)`)
      .all(...params, match) as Row[];
    const order = (a: Row, b: Row) => (a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * (descending ? -1 : 1);
    rows.sort(order);
    const start = after === undefined ? 0 : rows.findIndex((row) => order(row, { created_at: after.values[0], id: after.id }) > 0);
    return (start < 0 ? [] : rows.slice(start)).slice(0, limit + 1).map((row) => row.id);
  }

  const cases: Array<[text: string, filters: Partial<AttemptFilters>]> = [
    ['refund', {}],
    ['Refund', { endpointId: '' }],
    ['refu', { status: 'failed' }],
    ['invoice', {}],
    ['cust ada', {}],
    ['ship', { endpointId: '' }],
    ['ter', {}], // a syllable prefix of more terms than are listed: stays a prefix query
    ['refund quetzalcoatl', {}],
    ['zzqx', {}],
  ];

  test('walking the log and whole terms answer what a prefix query answers, page after page, both ways', () => {
    let walked = 0;
    let gaveUp = 0;
    for (const [text, extra] of cases) {
      const filters: AttemptFilters = { workspaceId, search: text, ...extra, ...(extra.endpointId === '' ? { endpointId } : {}) };
      const words = text.toLowerCase().split(' ');
      for (const descending of [true, false]) {
        const plan = search.plan(text);
        let after: KeysetPosition | undefined;
        for (let page = 0; page < 6; page += 1) {
          const window: ListWindow<AttemptSortField> = { sort: [{ field: 'created_at', descending }], limit: 25, after };
          const expected = oracle(words, filters, descending, after, 25);
          const where = attemptWhere(filters, search.clause);
          const plain = db.all(`SELECT id, created_at FROM attempts ${windowSql(window, ATTEMPT_SORT, where)}`, where.params);
          assert.deepEqual(plain.map((row) => row.id), expected, `${text} ${JSON.stringify(extra)} page ${page}: the plain query`);
          const walk = search.walk(plan, filters, window);
          if (walk === null) gaveUp += 1;
          else {
            walked += 1;
            assert.deepEqual(walk.rows.map((row) => row.id), expected.slice(0, 25), `${text} ${JSON.stringify(extra)} page ${page}: the walk`);
            assert.equal(walk.hasMore, expected.length > 25);
          }
          if (expected.length <= 25) break;
          const last = plain[24]!;
          after = { values: [Number(last.created_at)], id: String(last.id) };
        }
      }
    }
    assert.ok(walked >= 20, `the walk answered ${walked} pages`);
    assert.ok(gaveUp >= 5, `the walk gave up on ${gaveUp} pages`);
  });

  test('a plain word names its terms; a short word, one with punctuation, or one of many terms stays a prefix', () => {
    assert.equal(search.plan('refund').query, '"refund"');
    assert.equal(search.plan('REFU').query, '("refund" OR "refused")');
    assert.equal(search.plan('quetzalcoatl').query, '"quetzalcoatl"');
    assert.equal(search.plan('Cust').query, '"customer"');
    assert.equal(search.plan('ship').query, '"ship"*'); // shipped, shipping and a dozen generated words
    assert.equal(search.plan('ter').query, '"ter"*');
    assert.equal(search.plan('in_12').query, '"in_12"*');
    assert.equal(search.plan('zzqx').query, '"zzqx"*');
    assert.equal(search.plan('dek').query, '"dek"*'); // no term starts so ("delay" starts one letter on)
    assert.equal(search.plan('"" ,').query, '""');
  });

  test('other sorts and page mode are left to the plain query', () => {
    const plan = search.plan('refund');
    assert.equal(plan.common, true);
    const filters: AttemptFilters = { workspaceId, search: 'refund' };
    assert.equal(search.walk(plan, filters, { sort: [{ field: 'duration_ms', descending: true }], limit: 10 }), null);
    assert.equal(search.walk(plan, filters, { sort: [{ field: 'created_at', descending: true }], limit: 10, offset: 10 }), null);
    const roomier = new SqliteSearch(db, { manyMatches: 40, walkWindows: [200, 2000] });
    assert.notEqual(roomier.walk(plan, filters, { sort: [{ field: 'created_at', descending: true }], limit: 10 }), null);
  });

  test('a word left a prefix is not walked: each window would pay its merge again', () => {
    const plan = search.plan('ter');
    assert.equal(plan.common, true);
    assert.equal(plan.wholeTerms, false);
    const roomier = new SqliteSearch(db, { manyMatches: 40, walkWindows: [200, 2000] });
    assert.equal(roomier.walk(plan, { workspaceId, search: 'ter' }, { sort: [{ field: 'created_at', descending: true }], limit: 10 }), null);
  });
});
