import pg from 'pg';
import { StorageFullError } from '../storage-errors.ts';
import type { PostgresTarget } from './postgres-url.ts';

/** A value bound to a placeholder: scalars, or arrays of them for `= ANY(?)` and `unnest(?)`. */
export type SqlParam = string | number | boolean | null | ReadonlyArray<string | number | boolean | null>;
export type PgRow = Record<string, unknown>;

/** What runs SQL with `?` placeholders: the pool (each statement on its own) or one transaction. */
export interface SqlExecutor {
  all(sql: string, params?: readonly SqlParam[]): Promise<PgRow[]>;
  /**
   * Like `all`, as a named prepared statement: each connection parses and plans it once, and later
   * runs only bind it. For the worker's hot statements, whose planning cost as much as running them.
   * `name` must be unique to `sql`.
   */
  prepared(name: string, sql: string, params: readonly SqlParam[]): Promise<PgRow[]>;
  get(sql: string, params?: readonly SqlParam[]): Promise<PgRow | undefined>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Type parsers for this pool only (never pg's global ones): `bigint` and `numeric` become numbers.
 * Herald's bigints are epoch ms, counts and log positions, all far below 2^53.
 */
function heraldTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  types.setTypeParser(NUMERIC_OID, (value: string) => Number(value));
  return types;
}

const positionalCache = new Map<string, string>();

/**
 * `?` placeholders (what the shared SQL builders emit) → `$1, $2, …`, leaving string literals,
 * quoted identifiers and comments alone. Herald's SQL never uses a `?` operator.
 */
export function toPositional(sql: string): string {
  const cached = positionalCache.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i += 1) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (ch === '?') {
      n += 1;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  if (positionalCache.size > 2000) positionalCache.clear(); // dynamic IN lists: keep the cache bounded
  positionalCache.set(sql, out);
  return out;
}

type QueryTarget = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

function executor(target: QueryTarget): SqlExecutor {
  const query = async (sql: string, params: readonly SqlParam[], name?: string) => {
    try {
      const text = toPositional(sql);
      return await (name === undefined ? target.query(text, params as unknown[]) : target.query({ name, text, values: params as unknown[] }));
    } catch (error) {
      throw toStorageError(error);
    }
  };
  return {
    all: async (sql, params = []) => (await query(sql, params)).rows as PgRow[],
    prepared: async (name, sql, params) => (await query(sql, params, name)).rows as PgRow[],
    get: async (sql, params = []) => (await query(sql, params)).rows[0] as PgRow | undefined,
    run: async (sql, params = []) => (await query(sql, params)).rowCount ?? 0,
  };
}

export interface PostgresDatabaseOptions {
  /** Told of connection errors that no query is waiting for (idle clients, the listener). Default: one line on stderr. */
  onError?: (error: Error) => void;
}

/**
 * A `pg` pool set up for Herald: its own type parsers, `search_path` = the configured schema on
 * every connection, TCP keep-alive, and errors of idle connections reported instead of crashing
 * the process. Statements use `?` placeholders, like the SQLite backend and the shared builders.
 */
export class PostgresDatabase implements SqlExecutor {
  readonly pool: pg.Pool;
  readonly target: PostgresTarget;
  readonly onError: (error: Error) => void;
  readonly #executor: SqlExecutor;
  #closing: Promise<void> | null = null;

  constructor(target: PostgresTarget, options: PostgresDatabaseOptions = {}) {
    this.target = target;
    this.onError = options.onError ?? ((error) => process.stderr.write(`herald: PostgreSQL connection error: ${error.message}\n`));
    this.pool = new pg.Pool(this.clientConfig({ max: target.poolSize, idleTimeoutMillis: 30_000 }));
    this.pool.on('error', (error) => this.onError(error));
    this.#executor = executor(this.pool);
  }

  /** The settings every connection of this database uses (the pool's and the listener's). */
  clientConfig(extra: pg.PoolConfig = {}): pg.PoolConfig {
    return {
      connectionString: this.target.connectionString,
      application_name: 'herald',
      keepAlive: true,
      // How long to wait for a connection (a new one, or a free one from a busy pool).
      connectionTimeoutMillis: 10_000,
      types: heraldTypes(),
      ...(this.target.schema ? { options: `-c search_path=${this.target.schema}` } : {}),
      ...extra,
    };
  }

  all(sql: string, params?: readonly SqlParam[]): Promise<PgRow[]> {
    return this.#executor.all(sql, params);
  }

  prepared(name: string, sql: string, params: readonly SqlParam[]): Promise<PgRow[]> {
    return this.#executor.prepared(name, sql, params);
  }

  get(sql: string, params?: readonly SqlParam[]): Promise<PgRow | undefined> {
    return this.#executor.get(sql, params);
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<number> {
    return this.#executor.run(sql, params);
  }

  /** Runs `work` on one connection inside BEGIN … COMMIT; rolls back and rethrows if it throws. */
  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient(async (client, discard) => {
      await client.query('BEGIN');
      try {
        const result = await work(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is dead: it must not go back to the pool.
        await client.query('ROLLBACK').catch((rollbackError: unknown) => discard(rollbackError));
        throw toStorageError(error);
      }
    });
  }

  /**
   * Runs `work` with one connection of the pool to itself. `discard(error)` marks the connection
   * as dead, so it is destroyed instead of returned to the pool; an error the connection emits
   * meanwhile is reported and does the same, never left unhandled.
   */
  async withClient<T>(work: (client: pg.PoolClient, discard: (error: unknown) => void) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const discard = (error: unknown) => {
      broken ??= error instanceof Error ? error : new Error(String(error));
    };
    const onClientError = (error: Error) => {
      discard(error);
      this.onError(error);
    };
    client.on('error', onClientError);
    try {
      return await work(client, discard);
    } catch (error) {
      if (isConnectionError(error)) discard(error);
      throw error;
    } finally {
      client.off('error', onClientError);
      client.release(broken);
    }
  }

  /** Ends the pool once, however often it is called. */
  close(): Promise<void> {
    this.#closing ??= this.pool.end();
    return this.#closing;
  }
}

const DISK_FULL = '53100';

/**
 * The one place where PostgreSQL's errors become storage errors callers can act on: SQLSTATE 53100
 * (disk_full, e.g. "could not extend file") → {@link StorageFullError}. Everything else is returned
 * unchanged (connection errors are recognised by their codes further up).
 */
export function toStorageError(error: unknown): unknown {
  if (error instanceof Error && (error as { code?: unknown }).code === DISK_FULL) {
    return new StorageFullError(`the PostgreSQL server's disk is full (${error.message})`, { cause: error });
  }
  return error;
}

/** True for errors that say the connection itself failed (as opposed to an SQL error, which only fails the statement). */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return /^(08|57P0)/.test(code) || /^E[A-Z]+$/.test(code); // SQLSTATE connection exception / admin shutdown, or a socket error
}
