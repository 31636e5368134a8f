import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { WalCheckpointer } from './wal-checkpointer.ts';

export type SqlValue = string | number | null;
export type SqlRow = Record<string, SqlValue>;

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');

/**
 * One SQLite connection with its prepared statements cached by SQL text.
 * node:sqlite is synchronous, so every transaction runs whole between two turns of the event loop:
 * one connection per process is enough and keeps all writes on it (no lock contention inside Herald).
 */
export class SqliteDatabase {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #checkpointer: WalCheckpointer | null = null;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash (kill -9); only a power loss may drop the last commits.
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.db.exec('PRAGMA foreign_keys = ON');
    this.db.exec('PRAGMA temp_store = MEMORY');
    if (path !== ':memory:') {
      // Checkpoints happen in a background thread; the automatic one (inside a COMMIT) is only a safety net.
      this.db.exec('PRAGMA wal_autocheckpoint = 16384');
      this.#checkpointer = new WalCheckpointer(path);
    }
  }

  /** A cached prepared statement. */
  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  all(sql: string, params: readonly SqlValue[] = []): SqlRow[] {
    return this.statement(sql).all(...(params as SQLInputValue[])) as SqlRow[];
  }

  get(sql: string, params: readonly SqlValue[] = []): SqlRow | undefined {
    return this.statement(sql).get(...(params as SQLInputValue[])) as SqlRow | undefined;
  }

  run(sql: string, params: readonly SqlValue[] = []): number {
    return Number(this.statement(sql).run(...(params as SQLInputValue[])).changes);
  }

  /** Runs an INSERT and returns the new row's rowid. */
  insert(sql: string, params: readonly SqlValue[] = []): number {
    return Number(this.statement(sql).run(...(params as SQLInputValue[])).lastInsertRowid);
  }

  /** Runs `work` in one write transaction (BEGIN IMMEDIATE), rolled back if it throws. */
  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Applies the numbered `migrations/NNN-name.sql` files not applied yet, each in its own transaction. */
  migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const files = readdirSync(MIGRATIONS_DIR).filter((name) => /^\d+-.+\.sql$/.test(name)).sort();
    for (const file of files) {
      const version = Number.parseInt(file, 10);
      this.transaction(() => {
        if (this.get('SELECT 1 AS applied FROM schema_migrations WHERE version = ?', [version])) return;
        this.db.exec(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'));
        this.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [version, Date.now()]);
      });
    }
  }

  close(): void {
    void this.#checkpointer?.close();
    this.#checkpointer = null;
    this.#statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}
