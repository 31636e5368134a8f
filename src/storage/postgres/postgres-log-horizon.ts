import type { PostgresDatabase } from './postgres-database.ts';

// Retention's horizon for the log. Purging moves it forward; every read of the log keeps to the
// entries at or after it, so what is purged disappears from the API at once, exactly at the
// cutoff, as on SQLite. The rows themselves are removed later and cheaply: a day's partition is
// dropped whole once the horizon has passed its end (postgres-partitions.ts), never row by row.

/** The condition every read of `attempts` adds: the entry is not purged. */
export const NOT_PURGED = 'created_at >= (SELECT horizon FROM log_horizon)';

/**
 * Moves the horizon to `cutoff` (never back); returns the new horizon and how many entries it
 * purged, that is, put out of sight. Purgers in several processes take turns on the row lock.
 */
export async function advanceLogHorizon(db: PostgresDatabase, cutoff: number): Promise<{ horizon: number; purged: number }> {
  return db.transaction(async (tx) => {
    const current = Number((await tx.get('SELECT horizon FROM log_horizon FOR UPDATE'))?.horizon ?? 0);
    if (cutoff <= current) return { horizon: current, purged: 0 };
    const purged = Number((await tx.get('SELECT COUNT(*) AS n FROM attempts WHERE created_at >= ? AND created_at < ?', [current, cutoff]))?.n ?? 0);
    await tx.run('UPDATE log_horizon SET horizon = ?', [cutoff]);
    return { horizon: cutoff, purged };
  });
}
