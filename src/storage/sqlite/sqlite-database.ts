import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { StorageFullError, StorageIoError } from '../storage-errors.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

export type SqlValue = string | number | null;
export type SqlRow = Record<string, SqlValue>;

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
/** The page size of a new database file. */
export const PAGE_BYTES = 8192;

/**
 * One SQLite connection with its prepared statements cached by SQL text.
 * node:sqlite is synchronous, so every transaction runs whole between two turns of the event loop:
 * one connection per process is enough and keeps all writes on it (no lock contention inside Herald).
 */
export class SqliteDatabase {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #checkpointer: WalCheckpointer | null = null;
  #group: Array<GroupedWork<unknown>> = [];

  /** `upkeepThread` (default true): start the background checkpoint/merge thread for a file (off for a second connection). */
  constructor(path: string, { upkeepThread = true }: { upkeepThread?: boolean } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    // First: setting the journal mode takes a lock, which a closing connection's upkeep thread may still hold.
    this.db.exec('PRAGMA busy_timeout = 5000');
    // 8 KiB pages for a new file (an existing one keeps its size; WAL mode fixes it). Every page a commit
    // changes goes to the WAL in two write calls, so fewer, larger pages make the log's writes cheaper:
    // a batch of 1,000 events took 33–36 µs of CPU per event instead of 37–42 (bench scenario 6, 3 pairs).
    this.db.exec(`PRAGMA page_size = ${PAGE_BYTES}`);
    this.db.exec('PRAGMA journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash (kill -9); only a power loss may drop the last commits.
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec('PRAGMA foreign_keys = ON');
    this.db.exec('PRAGMA temp_store = MEMORY');
    if (path !== ':memory:') {
      // Checkpoints happen in a background thread, which has this connection finish them when the WAL
      // is long (#rewindWal); the automatic one (inside a COMMIT) is only a safety net. A WAL that grew
      // larger all the same (before the thread started, or while a long reader held it) is cut back to
      // 16 MiB when it starts over, to give the disk space back.
      this.db.exec('PRAGMA wal_autocheckpoint = 16384');
      this.db.exec('PRAGMA journal_size_limit = 16777216');
      if (upkeepThread) this.#checkpointer = new WalCheckpointer(path, { onLongWal: () => this.#rewindWal() });
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
    try {
      return this.statement(sql).all(...(params as SQLInputValue[])) as SqlRow[];
    } catch (error) {
      throw toStorageError(error);
    }
  }

  get(sql: string, params: readonly SqlValue[] = []): SqlRow | undefined {
    try {
      return this.statement(sql).get(...(params as SQLInputValue[])) as SqlRow | undefined;
    } catch (error) {
      throw toStorageError(error);
    }
  }

  run(sql: string, params: readonly SqlValue[] = []): number {
    try {
      return Number(this.statement(sql).run(...(params as SQLInputValue[])).changes);
    } catch (error) {
      throw toStorageError(error);
    }
  }

  /** Runs an INSERT and returns the new row's rowid. */
  insert(sql: string, params: readonly SqlValue[] = []): number {
    try {
      return Number(this.statement(sql).run(...(params as SQLInputValue[])).lastInsertRowid);
    } catch (error) {
      throw toStorageError(error);
    }
  }

  /** Runs `work` in one write transaction (BEGIN IMMEDIATE), rolled back if it throws. */
  transaction<T>(work: () => T): T {
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw toStorageError(error);
    }
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLITE_FULL and some I/O errors roll the transaction back by themselves: a second ROLLBACK
      // would throw "no transaction is active" and hide the error that matters.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw toStorageError(error);
    }
  }

  /**
   * Runs `work` in a write transaction shared with the other `groupTransaction` calls of the same turn
   * of the event loop (group commit): one COMMIT for all of them instead of one each. Each `work` runs
   * in its own savepoint, so one that throws is undone alone and only its promise is rejected; the
   * promises settle after the COMMIT, so a resolved promise means durable. If the COMMIT itself fails
   * (a full disk), every promise of the group is rejected and nothing of it was written.
   */
  groupTransaction<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#group.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#group.length === 1) setImmediate(() => this.#commitGroup());
    });
  }

  #commitGroup(): void {
    const group = this.#group;
    this.#group = [];
    if (group.length === 0) return;
    let outcomes: Array<{ value: unknown } | { error: unknown }>;
    try {
      outcomes = this.transaction(() =>
        group.map(({ work }) => {
          this.db.exec('SAVEPOINT grouped');
          try {
            const value = work();
            this.db.exec('RELEASE grouped');
            return { value };
          } catch (error) {
            // A full disk rolls the whole transaction back by itself: then the whole group fails.
            if (!this.db.isTransaction) throw error;
            this.db.exec('ROLLBACK TO grouped');
            this.db.exec('RELEASE grouped');
            return { error: toStorageError(error) };
          }
        }),
      );
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if ('error' in outcome) item.reject(outcome.error);
      else item.resolve(outcome.value);
    });
  }

  /**
   * The last step of the upkeep thread's checkpoint, on this connection between two of its
   * transactions: it copies back what was committed since the thread's checkpoint, so this
   * connection's next write starts the WAL over (see WalCheckpointerOptions.onLongWal). A failure
   * (busy, a full disk) is left for the next time the thread asks.
   */
  #rewindWal(): void {
    if (!this.db.isOpen || this.db.isTransaction) return;
    try {
      this.db.exec('PRAGMA wal_checkpoint(PASSIVE)');
    } catch {
      // the next 'long-wal' tries again
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

  /**
   * Ends the upkeep thread, then closes the connection. In that order: the last connection to close
   * checkpoints the WAL into the file and removes it, so once this settles the file is whole and no
   * thread of ours still holds it (a thread ending after close returned left a reader opening the file
   * refused with "database is locked"). A connection without an upkeep thread closes synchronously.
   */
  async close(): Promise<void> {
    const checkpointer = this.#checkpointer;
    this.#checkpointer = null;
    if (checkpointer) await checkpointer.close();
    if (this.#group.length > 0 && this.db.isOpen) this.#commitGroup(); // what callers were promised is written first
    this.#statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}

interface GroupedWork<T> {
  work: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
const SQLITE_IOERR_SHMSIZE = 4874; // the -shm file could not grow: a full disk, as SQLite documents it

/**
 * The one place where node:sqlite's errors (`errcode`: SQLite's extended result code) become
 * storage errors callers can act on: a full disk → {@link StorageFullError}, any other I/O error →
 * {@link StorageIoError}. Everything else (constraints, SQL errors) is returned unchanged.
 */
export function toStorageError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof StorageFullError || error instanceof StorageIoError) return error;
  const code = (error as { errcode?: unknown }).errcode;
  if (typeof code !== 'number') return error;
  if ((code & 0xff) === SQLITE_FULL || code === SQLITE_IOERR_SHMSIZE) {
    return new StorageFullError(`the SQLite database's disk is full (${error.message})`, { cause: error });
  }
  if ((code & 0xff) === SQLITE_IOERR) return new StorageIoError(`the SQLite database could not be read or written (${error.message})`, { cause: error });
  return error;
}
