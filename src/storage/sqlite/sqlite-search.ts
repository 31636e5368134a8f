import type { ListPage, ListWindow } from '../list-query.ts';
import type { AttemptRecord } from '../records.ts';
import type { AttemptFilters, AttemptSortField } from '../storage.ts';
import { ATTEMPT_SORT } from '../sql/columns.ts';
import { attemptWhere, type SearchClause } from '../sql/filters.ts';
import { toPage, windowSql } from '../sql/list-sql.ts';
import type { SqliteDatabase } from './sqlite-database.ts';
import { ATTEMPT_COLUMNS, toAttempt } from './sqlite-rows.ts';

/** How a search decides between its ways of finding a page (tests make them small). */
export interface SearchTuning {
  /** From this many matches on, a search walks the log in order instead of sorting every match. */
  manyMatches: number;
  /** Log entries read per look while walking, before giving up on the walk for the plain query. */
  walkWindows: readonly number[];
}

const DEFAULT_TUNING: SearchTuning = { manyMatches: 2000, walkWindows: [1_000, 8_000] };
/** A word prefix that names more terms than this stays a prefix query; fewer become an OR of whole terms. */
const MAX_EXPANDED_TERMS = 8;
/** Shorter words are not expanded: their prefixes name too many terms to list quickly. */
const MIN_EXPANDED_LENGTH = 3;

/** A search as FTS5 query text, whether it is common enough to walk the log in order, and whether every word became whole terms. */
export interface SearchPlan {
  query: string;
  common: boolean;
  wholeTerms: boolean;
}

/**
 * `search=` on SQLite: every word of the text must occur, each as a word prefix, anywhere in the
 * entry's URL, event type, error message, request body or response body (FTS5, unicode61 tokens:
 * letters and digits; punctuation splits words; case and accents ignored). `invoice in_12` finds an
 * entry whose payload holds `"invoice":"in_123"`. A word with punctuation (`example.com`) matches
 * those words in sequence.
 *
 * FTS5 answers a prefix query (`"refund"*`) by first merging the whole doclist of every term with
 * that prefix, whatever else limits the query: ~8 ms for a word in 100,000 of 1,000,000 entries,
 * against ~0.2 ms for the same word as a whole term with a rowid range. So a plain word's prefix is
 * first listed from the index's vocabulary (`temp.attempts_search_terms`), and when it names a few
 * terms the query asks for those terms instead: the same matches, found without the merge.
 */
export class SqliteSearch {
  readonly #db: SqliteDatabase;
  readonly #tuning: SearchTuning;
  #vocabulary = false;

  constructor(db: SqliteDatabase, tuning: SearchTuning = DEFAULT_TUNING) {
    this.#db = db;
    this.#tuning = tuning;
  }

  /** The `rowid IN (…)` clause for `attemptWhere`: the same search for every query shape. */
  readonly clause: SearchClause = (text) => clauseOf(this.plan(text));

  /** The FTS5 query for `text`, and whether it is common (probed: at most `manyMatches` rowids read). */
  plan(text: string): SearchPlan {
    const words = searchWords(text).map((word) => this.#wordQuery(word));
    const query = words.map((word) => word.query).join(' AND ') || '""';
    const probe = this.#db.get('SELECT COUNT(*) AS n FROM (SELECT rowid FROM attempts_search WHERE attempts_search MATCH ? LIMIT ?)', [query, this.#tuning.manyMatches]);
    return { query, common: Number(probe?.n ?? 0) >= this.#tuning.manyMatches, wholeTerms: words.every((word) => !word.prefix) };
  }

  /**
   * A page of a common word's matches in the log's newest- or oldest-first order, found by walking
   * the log: read the next few thousand entries that pass the other filters (index only), ask the
   * text index which of them match (a rowid range: cheap, since entries of a time span sit
   * together), and keep them in order. The entries read are a prefix of the order, so once they hold
   * a page and one more, that page is exactly the plain query's. Null when the walk gives up (the
   * matches so far say its next window would not hold a page), for a word left a prefix (each window
   * would pay the prefix's merge again), for other sorts and for page mode: the plain query answers those.
   */
  walk(plan: SearchPlan, filters: AttemptFilters, window: ListWindow<AttemptSortField>): ListPage<AttemptRecord> | null {
    if (!plan.common || !plan.wholeTerms || window.offset !== undefined) return null;
    if (window.sort.length !== 1 || window.sort[0]!.field !== 'created_at') return null;
    const others: AttemptFilters = { ...filters, search: undefined };
    const windows = this.#tuning.walkWindows;
    const found: number[] = [];
    let read = 0;
    let after = window.after;
    for (const [index, size] of windows.entries()) {
      const where = attemptWhere(others);
      const sql = windowSql({ sort: window.sort, after, limit: size - 1 }, ATTEMPT_SORT, where); // reads `size` rows
      const rows = this.#db.all(`SELECT rowid AS seq, created_at, id FROM attempts ${sql}`, where.params);
      const seqs = rows.map((row) => Number(row.seq));
      const matches = seqs.length === 0 ? new Set<number>() : this.#matchesBetween(plan.query, Math.min(...seqs), Math.max(...seqs));
      for (const seq of seqs) {
        if (matches.has(seq)) found.push(seq);
        if (found.length > window.limit) break;
      }
      if (found.length > window.limit || rows.length < size) return toPage(this.#attemptsBySeq(found), window.limit);
      read += rows.length;
      const next = windows[index + 1];
      const rowsStillNeeded = found.length === 0 ? Infinity : ((window.limit + 1 - found.length) * read) / found.length;
      if (next === undefined || rowsStillNeeded > next) return null;
      const last = rows.at(-1)!;
      after = { values: [Number(last.created_at)], id: String(last.id) };
    }
    return null;
  }

  /** The entries among rowids [from, to] that match `query`. */
  #matchesBetween(query: string, from: number, to: number): Set<number> {
    const rows = this.#db.all('SELECT rowid FROM attempts_search WHERE attempts_search MATCH ? AND rowid >= CAST(? AS INTEGER) AND rowid <= CAST(? AS INTEGER)', [query, from, to]);
    return new Set(rows.map((row) => Number(row.rowid)));
  }

  /** The log entries with these rowids, in this order. */
  #attemptsBySeq(seqs: number[]): AttemptRecord[] {
    if (seqs.length === 0) return [];
    const rows = this.#db.all(`SELECT rowid AS seq, ${ATTEMPT_COLUMNS} FROM attempts WHERE rowid IN (SELECT value FROM json_each(?))`, [JSON.stringify(seqs)]);
    const bySeq = new Map(rows.map((row) => [Number(row.seq), row]));
    return seqs.map((seq) => toAttempt(bySeq.get(seq)!));
  }

  #wordQuery(word: string): { query: string; prefix: boolean } {
    const prefix = { query: `"${word}"*`, prefix: true };
    const term = word.toLowerCase();
    // Only a word that is one token as it stands (ASCII letters and digits: unicode61 only folds its case).
    if (term.length < MIN_EXPANDED_LENGTH || !/^[a-z0-9]+$/.test(term)) return prefix;
    const terms = this.#termsStartingWith(term);
    if (terms.length === 0 || terms.length > MAX_EXPANDED_TERMS) return prefix;
    return { query: terms.length === 1 ? `"${terms[0]}"` : `(${terms.map((each) => `"${each}"`).join(' OR ')})`, prefix: false };
  }

  #termsStartingWith(prefix: string): string[] {
    if (!this.#vocabulary) {
      this.#db.db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.attempts_search_terms USING fts5vocab(main, attempts_search, row)');
      this.#vocabulary = true;
    }
    // The bound after every term with the prefix: its last character plus one ('refund' → 'refune').
    const bound = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return this.#db
      .all(`SELECT term FROM temp.attempts_search_terms WHERE term >= ? AND term < ? LIMIT ${MAX_EXPANDED_TERMS + 1}`, [prefix, bound])
      .map((row) => String(row.term));
  }
}

/** The words of a search text: split on whitespace, quotes dropped (so no FTS5 syntax leaks through), only those with a letter or digit. */
function searchWords(text: string): string[] {
  return text
    .split(/\s+/)
    .map((word) => word.replaceAll('"', ''))
    .filter((word) => /[\p{L}\p{N}]/u.test(word));
}

/**
 * The clause of a planned search. A rare word: look its entries up by rowid and sort them. A
 * common one: walk the log in its order and keep the matches; `+rowid` keeps the planner from
 * looking up and sorting them all.
 */
export function clauseOf(plan: SearchPlan): { sql: string; params: string[] } {
  const column = plan.common ? '+rowid' : 'rowid';
  return { sql: `${column} IN (SELECT rowid FROM attempts_search WHERE attempts_search MATCH ?)`, params: [plan.query] };
}
