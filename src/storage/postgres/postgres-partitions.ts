import type { PostgresDatabase, SqlExecutor } from './postgres-database.ts';

/** Each partition of the log holds one UTC day of `created_at`. */
export const PARTITION_MS = 86_400_000;
/** Partitions the log keeps ready: from yesterday to this many days ahead. */
const DAYS_AHEAD = 3;
/** After a failed creation (lock timeout), the inserts of that day go to the DEFAULT partition for this long before trying again. */
const RETRY_AFTER_MS = 10_000;

/** One day's partition of `attempts` (and its twin of `attempt_details`). */
export interface AttemptPartition {
  day: number;
  from: number;
  to: number;
  attemptsTable: string;
  detailsTable: string;
}

/** The partition of day number `day` (days since the epoch, UTC). */
export function partitionOfDay(day: number): AttemptPartition {
  const suffix = new Date(day * PARTITION_MS).toISOString().slice(0, 10).replaceAll('-', '');
  return { day, from: day * PARTITION_MS, to: (day + 1) * PARTITION_MS, attemptsTable: `attempts_p${suffix}`, detailsTable: `attempt_details_p${suffix}` };
}

export const dayOf = (ms: number): number => Math.floor(ms / PARTITION_MS);

/**
 * The log's daily partitions: created ahead (at migration and at each retention pass) and on
 * demand before an insert for a day that has none, dropped whole by retention. Every change is
 * made under a transaction-scoped advisory lock, so processes never race on the same partition,
 * with a short lock timeout, so DDL never keeps the log locked for long: if it cannot get its
 * locks, the rows of that day go to the DEFAULT partition for now and move out when the day's
 * partition is created later.
 */
export class AttemptPartitions {
  readonly #db: PostgresDatabase;
  readonly #lockName: string;
  #known: Set<number> | null = null;
  /** Retention's horizon as last seen: days wholly before it get no partition (their rows are out of sight; DEFAULT takes them). */
  #horizon = Number.NEGATIVE_INFINITY;
  readonly #failedAt = new Map<number, number>();

  constructor(db: PostgresDatabase) {
    this.#db = db;
    this.#lockName = `herald.partitions:${db.target.schema ?? ''}`;
  }

  /** Makes sure yesterday's, today's and the next days' partitions exist. */
  async ensureAround(nowMs: number): Promise<void> {
    const today = dayOf(nowMs);
    const days: number[] = [];
    for (let day = today - 1; day <= today + DAYS_AHEAD; day += 1) days.push(day);
    await this.ensureDays(days);
  }

  /**
   * Makes sure the days of these times have partitions, before rows are inserted. Never throws:
   * a day whose partition cannot be created now is reported, and its rows go to DEFAULT, as do
   * rows of days retention has already passed (rather than a partition made only to be dropped).
   */
  async ensureFor(times: number[]): Promise<void> {
    try {
      await this.ensureDays(new Set(times.map(dayOf)));
    } catch (error) {
      this.#db.onError(new Error(`could not create a log partition; rows go to the default partition meanwhile: ${(error as Error).message}`, { cause: error }));
    }
  }

  async ensureDays(days: Iterable<number>): Promise<void> {
    const known = await this.#knownDays();
    for (const day of days) {
      if (known.has(day) || partitionOfDay(day).to <= this.#horizon) continue;
      const failedAt = this.#failedAt.get(day);
      if (failedAt !== undefined && Date.now() - failedAt < RETRY_AFTER_MS) continue;
      try {
        await this.#create(partitionOfDay(day));
        this.#failedAt.delete(day);
        known.add(day);
      } catch (error) {
        this.#failedAt.set(day, Date.now());
        throw error;
      }
    }
  }

  /** The partitions that exist now, oldest first (read from the catalog). */
  async list(): Promise<AttemptPartition[]> {
    const rows = await this.#db.all(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'attempts'::regclass`,
    );
    const partitions: AttemptPartition[] = [];
    for (const row of rows) {
      const match = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(String(row.bound));
      if (!match) continue; // the DEFAULT partition
      const from = Number(match[1]);
      const partition = partitionOfDay(dayOf(from));
      if (partition.attemptsTable === row.name && partition.to === Number(match[2])) partitions.push(partition);
    }
    return partitions.sort((a, b) => a.from - b.from);
  }

  /**
   * Drops every partition that ends at or before `horizon` (with its details), each in a short
   * transaction of its own; returns how many. Never throws: a partition that cannot be dropped now
   * (lock timeout) is reported and dropped at the next pass; its rows are out of sight meanwhile.
   */
  async dropBefore(horizon: number): Promise<number> {
    this.#horizon = Math.max(this.#horizon, horizon);
    let dropped = 0;
    for (const partition of (await this.list()).filter((candidate) => candidate.to <= horizon)) {
      try {
        await this.#db.transaction(async (tx) => {
          await this.#lock(tx);
          await tx.run(`DROP TABLE IF EXISTS ${partition.attemptsTable}, ${partition.detailsTable}`);
        });
        dropped += 1;
      } catch (error) {
        this.#db.onError(new Error(`could not drop log partition ${partition.attemptsTable}; retrying at the next purge: ${(error as Error).message}`, { cause: error }));
      }
      this.#known?.delete(partition.day);
    }
    return dropped;
  }

  /** Forgets what it knows of the catalog (after another process changed it, in tests). */
  forget(): void {
    this.#known = null;
  }

  async #knownDays(): Promise<Set<number>> {
    if (!this.#known) {
      this.#horizon = Math.max(this.#horizon, Number((await this.#db.get('SELECT horizon FROM log_horizon'))?.horizon ?? 0));
      this.#known = new Set((await this.list()).map((partition) => partition.day));
    }
    return this.#known;
  }

  async #lock(tx: SqlExecutor): Promise<void> {
    // DDL on the log waits at most this long for its locks rather than queueing every reader behind it.
    await tx.run("SET LOCAL lock_timeout = '2s'");
    await tx.all('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [this.#lockName]);
  }

  /**
   * Creates one day's partitions: as plain tables first, filled with the rows of that day the
   * DEFAULT partition holds (if any), then attached, which builds their indexes.
   */
  async #create(partition: AttemptPartition): Promise<void> {
    const { from, to, attemptsTable, detailsTable } = partition;
    await this.#db.transaction(async (tx) => {
      await this.#lock(tx);
      if ((await tx.get('SELECT to_regclass(?) AS oid', [attemptsTable]))?.oid) return;
      for (const [parent, table] of [['attempts', attemptsTable], ['attempt_details', detailsTable]] as const) {
        await tx.run(`CREATE TABLE ${table} (LIKE ${parent} INCLUDING DEFAULTS)`);
        await tx.run(
          `WITH moved AS (DELETE FROM ${parent}_default WHERE created_at >= ${from} AND created_at < ${to} RETURNING *)
           INSERT INTO ${table} SELECT * FROM moved`,
        );
        await tx.run(`ALTER TABLE ${parent} ATTACH PARTITION ${table} FOR VALUES FROM (${from}) TO (${to})`);
      }
    });
  }
}
