import type { StreamedAttempt } from '../storage.ts';
import type { PostgresDatabase, SqlExecutor } from './postgres-database.ts';
import { NOT_PURGED } from './postgres-log-horizon.ts';
import { postgresSearch } from './postgres-search.ts';
import { ATTEMPT_COLUMNS, toAttempt } from './postgres-rows.ts';

// The live tail's feed: the log in append order (`attempts.seq`), read only as far as it is final.
//
// A sequence hands out `seq` values in call order, but transactions commit in any order: writer A
// takes seq 10, writer B takes 11 and commits first; a reader that saw 11 and moved past it would
// never see 10. (Filtering rows by `xid < pg_snapshot_xmin(…)` does not close the gap: A can take
// its xid after B and its seq before B's.) So every writer announces, before it takes any seq,
// the smallest seq it may still commit — its *floor*, the sequence's next value — by holding a
// shared transaction-scoped advisory lock whose key encodes that floor, until it commits or rolls
// back. A reader reads the sequence's next value N, then the lowest floor F of the writers in
// flight (pg_locks), and reads only rows with seq < min(N, F): any writer that could still commit
// a lower seq is either holding a lock it saw (so its seqs are ≥ F) or took its lock later (so
// its seqs are ≥ N). Writers never wait for each other (the locks are shared); readers never wait.
//
// Lock keys: the two-int form, key1 = a 16-bit tag for this schema (0x4000–0x7FFF) and the floor's
// bits 31–46, key2 = the floor's low 31 bits. Positions above 2^47 are out of reach in practice.

const FLOOR_KEY_SHIFT = 2 ** 31;

/** A 16-bit tag for the schema's floor locks, so other schemas' writers in the same database are told apart. */
export function floorLockTag(schema: string | null): number {
  let hash = 0x811c9dc5;
  for (const char of schema ?? '') hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return 0x4000 | (hash & 0x3fff);
}

const NEXT_SEQ = 'SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END AS n FROM attempts_seq';

/** Run first in a transaction that inserts log entries: announces its floor until it ends. */
export async function announceLogWriter(tx: SqlExecutor, tag: number): Promise<void> {
  await tx.all(
    `SELECT pg_advisory_xact_lock_shared((?::bigint * 65536 + ((s.n >> 31) & 65535))::int, (s.n & 2147483647)::int)
     FROM (${NEXT_SEQ}) s`,
    [tag],
  );
}

/** Every entry with a seq below this is committed or will never be: the readable end of the log. */
export async function safeSeqBound(db: PostgresDatabase, tag: number): Promise<number> {
  // Order matters: the next value first, the floors after.
  const next = Number((await db.get(NEXT_SEQ))?.n ?? 1);
  const floor = (
    await db.get(
      `SELECT min((classid::bigint & 65535) * ${FLOOR_KEY_SHIFT} + objid::bigint) AS floor FROM pg_locks
       WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND (classid::bigint >> 16) = ?
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [tag],
    )
  )?.floor;
  return floor === null || floor === undefined ? next : Math.min(next, Number(floor));
}

/** Entries after `afterSeq` and below the safe bound, oldest first. */
export async function streamAttempts(db: PostgresDatabase, tag: number, afterSeq: number, limit: number): Promise<StreamedAttempt[]> {
  const bound = await safeSeqBound(db, tag);
  if (bound <= afterSeq + 1) return [];
  const rows = await db.all(`SELECT seq, ${ATTEMPT_COLUMNS} FROM attempts WHERE seq > ? AND seq < ? AND ${NOT_PURGED} ORDER BY seq LIMIT ?`, [afterSeq, bound, limit]);
  return rows.map((row) => ({ seq: Number(row.seq), attempt: toAttempt(row) }));
}

/** The last position a new reader can start from without missing an entry committed later. */
export async function latestAttemptSeq(db: PostgresDatabase, tag: number): Promise<number> {
  return (await safeSeqBound(db, tag)) - 1;
}

/** Which of these positions match `search` text. */
export async function searchAttemptSeqs(db: PostgresDatabase, search: string, seqs: number[]): Promise<number[]> {
  if (seqs.length === 0) return [];
  const clause = postgresSearch(search);
  const rows = await db.all(`SELECT seq FROM attempts WHERE seq = ANY(?::bigint[]) AND ${NOT_PURGED} AND ${clause.sql} ORDER BY seq`, [seqs, ...clause.params]);
  return rows.map((row) => Number(row.seq));
}
