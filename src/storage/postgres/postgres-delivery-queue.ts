import type { AttemptOutcome, HealthChanges } from '../storage.ts';
import type { PostgresDatabase, SqlExecutor } from './postgres-database.ts';
import { recordEndpointHealth } from './postgres-endpoint-health.ts';
import { announceLogWriter } from './postgres-log-stream.ts';
import type { AttemptPartitions } from './postgres-partitions.ts';
import { ATTEMPT_COLUMN_LIST, ATTEMPT_COLUMN_TYPES, ATTEMPT_COLUMNS, attemptValues, columnsOf } from './postgres-rows.ts';
import { searchVector } from './postgres-search.ts';
import { UNFINISHED_DELIVERY } from '../sql/columns.ts';

// The worker's side of storage: claim due deliveries under a lease (one statement, in
// postgres-claim.ts), give them back, record outcomes.

export { claimDueDeliveries } from './postgres-claim.ts';

/** Puts claimed deliveries back as they were, due at `runAt`; no attempt is counted. */
export async function releaseDeliveries(db: PostgresDatabase, releases: Array<{ deliveryId: string; runAt: number }>): Promise<void> {
  if (releases.length === 0) return;
  await db.run(
    `UPDATE deliveries d SET status = CASE WHEN d.attempt_count = 0 THEN 'queued' ELSE 'pending_retry' END, run_at = r.run_at
     FROM unnest(?::text[], ?::bigint[]) AS r (id, run_at)
     WHERE d.id = r.id AND d.status = 'delivering'`,
    [releases.map((r) => r.deliveryId), releases.map((r) => r.runAt)],
  );
}

/**
 * The log entries and their details in one statement: details only of the entries inserted now, so
 * an entry already in the log (a retry after a commit whose answer was lost) keeps its own. Each
 * inserted id comes back with how many of the batch's endpoints are in a failure streak.
 */
const INSERT_ATTEMPTS = `WITH inserted AS (
    INSERT INTO attempts (${ATTEMPT_COLUMNS}, search)
    SELECT * FROM unnest(${ATTEMPT_COLUMN_LIST.map((column) => `?::${ATTEMPT_COLUMN_TYPES[column]}[]`).join(', ')}, ?::tsvector[])
    ON CONFLICT (id, created_at) DO NOTHING
    RETURNING id, created_at
  ),
  details AS (
    INSERT INTO attempt_details (attempt_id, created_at, request_headers, response_headers, response_body, response_body_truncated)
    SELECT d.* FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::boolean[])
      AS d (attempt_id, created_at, request_headers, response_headers, response_body, response_body_truncated)
    JOIN inserted ON inserted.id = d.attempt_id AND inserted.created_at = d.created_at
    ON CONFLICT (attempt_id, created_at) DO NOTHING
  )
  SELECT id, (SELECT count(*) FROM endpoints WHERE id = ANY(?::text[]) AND failing_since IS NOT NULL) AS failing FROM inserted`;

/**
 * A retry requested while the attempt was in flight wins over the computed next state; a
 * succeeded delivery is final (a late outcome from an expired lease is logged, changes nothing).
 * The ids are given twice, the second time as `d.id = ANY(…)`: with the join alone the planner
 * estimated a hash join over a sequential scan of `deliveries` (6–8 ms a batch on a 10,000-row table
 * without fresh statistics), with it the batch's rows are found through the primary key.
 */
const UPDATE_DELIVERIES = `UPDATE deliveries d SET
    attempt_count = GREATEST(d.attempt_count, o.attempt),
    status = CASE WHEN d.retry_requested THEN 'queued' ELSE o.status END,
    run_at = CASE WHEN d.retry_requested THEN o.completed_at ELSE o.run_at END,
    next_trigger = CASE WHEN d.retry_requested THEN 'manual' ELSE 'scheduled' END,
    retry_requested = false,
    delivered_at = COALESCE(o.delivered_at, d.delivered_at),
    response_status = o.response_status, response_latency_ms = o.response_latency_ms,
    last_error_code = o.error_code, last_error_message = o.error_message
  FROM unnest(?::text[], ?::integer[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::integer[], ?::integer[], ?::text[], ?::text[])
    AS o (id, attempt, status, completed_at, run_at, delivered_at, response_status, response_latency_ms, error_code, error_message)
  WHERE d.id = o.id AND d.id = ANY(?::text[]) AND d.status <> 'succeeded'`;

/** Outcomes ready to write: checked, their partitions made, their search vectors built. */
export interface PreparedOutcomes {
  outcomes: AttemptOutcome[];
  vectors: string[];
}

/**
 * Everything recording needs from outside the transaction, so the transaction stays short: the
 * days' partitions, and the search vectors (which need the events' payloads).
 */
export async function prepareOutcomes(db: PostgresDatabase, partitions: AttemptPartitions, outcomes: AttemptOutcome[]): Promise<PreparedOutcomes> {
  const ids = new Set(outcomes.map((outcome) => outcome.attempt.id));
  if (ids.size !== outcomes.length) throw new Error('recordOutcomes: two outcomes of the batch carry the same attempt id');
  await partitions.ensureFor(outcomes.map((outcome) => outcome.attempt.createdAt));
  const eventIds = [...new Set(outcomes.map((outcome) => outcome.attempt.eventId))];
  const payloads = new Map(
    (await db.prepared('herald_event_payloads', 'SELECT id, payload FROM events WHERE id = ANY(?::text[])', [eventIds])).map((row) => [String(row.id), String(row.payload)]),
  );
  const vectors = outcomes.map(({ attempt, detail }) =>
    searchVector([attempt.endpointUrl, attempt.eventType, attempt.error?.message ?? null, detail.responseBody, payloads.get(attempt.eventId) ?? null]),
  );
  return { outcomes, vectors };
}

/**
 * Writes prepared outcomes inside the caller's transaction, three or four statements whatever the
 * batch size: the log writer's floor; the log entries (with their search vectors) and their
 * details; the endpoints' health, unless the batch cannot change it; the deliveries' new state (the
 * caller wakes the live tails of other processes after the commit). Idempotent: an entry already in
 * the log (a retry after a commit whose answer was lost) is skipped with everything it would change.
 */
export async function writeOutcomes(tx: SqlExecutor, prepared: PreparedOutcomes, options: { floorTag: number }): Promise<HealthChanges> {
  const { outcomes, vectors } = prepared;
  await announceLogWriter(tx, options.floorTag);
  const attemptColumns = columnsOf(outcomes.map((outcome) => attemptValues(outcome.attempt)), ATTEMPT_COLUMN_LIST.length);
  const inserted = await tx.prepared('herald_insert_attempts', INSERT_ATTEMPTS, [
    ...attemptColumns,
    vectors,
    outcomes.map((o) => o.attempt.id),
    outcomes.map((o) => o.attempt.createdAt),
    outcomes.map((o) => JSON.stringify(o.detail.requestHeaders)),
    outcomes.map((o) => JSON.stringify(o.detail.responseHeaders)),
    outcomes.map((o) => o.detail.responseBody),
    outcomes.map((o) => o.detail.responseBodyTruncated),
    [...new Set(outcomes.map((o) => o.attempt.endpointId))],
  ]);
  const ids = new Set(inserted.map((row) => String(row.id)));
  const fresh = outcomes.filter((outcome) => ids.has(outcome.attempt.id));
  if (fresh.length === 0) return { disabled: [], recovered: [] };
  // Successes change the health only of endpoints in a failure streak (postgres-endpoint-health.ts):
  // with none in the batch, there is nothing to read or lock. Endpoints are locked before deliveries,
  // in every transaction that locks both.
  const onlySuccesses = fresh.every((o) => o.attempt.status === 'succeeded' || o.attempt.error?.code === 'ENDPOINT_DISABLED');
  const changes = onlySuccesses && Number(inserted[0]?.failing) === 0 ? { disabled: [], recovered: [] } : await recordEndpointHealth(tx, fresh);
  // One UPDATE per round; a delivery that has several outcomes in the batch gets them in order, one per round.
  for (const round of rounds(fresh)) {
    await tx.prepared('herald_update_deliveries', UPDATE_DELIVERIES, [
      round.map((o) => o.attempt.deliveryId),
      round.map((o) => o.attempt.attempt),
      round.map((o) => o.delivery.status),
      round.map((o) => o.attempt.completedAt),
      round.map((o) => o.delivery.runAt),
      round.map((o) => o.delivery.deliveredAt),
      round.map((o) => o.delivery.responseStatus),
      round.map((o) => o.delivery.responseLatencyMs),
      round.map((o) => o.delivery.lastError?.code ?? null),
      round.map((o) => o.delivery.lastError?.message ?? null),
      round.map((o) => o.attempt.deliveryId),
    ]);
  }
  return changes;
}

/** Records a batch of outcomes in one transaction (see `writeOutcomes`). Two outcomes with the same id in one batch fail it. */
export async function recordOutcomes(
  db: PostgresDatabase,
  partitions: AttemptPartitions,
  options: { floorTag: number },
  outcomes: AttemptOutcome[],
): Promise<HealthChanges> {
  if (outcomes.length === 0) return { disabled: [], recovered: [] };
  const prepared = await prepareOutcomes(db, partitions, outcomes);
  return db.transaction((tx) => writeOutcomes(tx, prepared, options));
}

/** Splits outcomes into rounds in which each delivery appears at most once, keeping each delivery's order. */
function rounds(outcomes: AttemptOutcome[]): AttemptOutcome[][] {
  const result: AttemptOutcome[][] = [];
  const seen = new Map<string, number>();
  for (const outcome of outcomes) {
    const index = seen.get(outcome.attempt.deliveryId) ?? 0;
    seen.set(outcome.attempt.deliveryId, index + 1);
    (result[index] ??= []).push(outcome);
  }
  return result;
}

/** The earliest due time or lease end among unfinished deliveries. */
export async function nextRunAt(db: PostgresDatabase): Promise<number | null> {
  const row = await db.get(`SELECT MIN(run_at) AS next FROM deliveries WHERE ${UNFINISHED_DELIVERY}`);
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/** Due and scheduled counts, and the oldest due time, for metrics. */
export async function queueDepth(db: PostgresDatabase, nowMs: number): Promise<{ due: number; scheduled: number; oldestDueAt: number | null }> {
  const row = await db.get(
    `SELECT COUNT(*) FILTER (WHERE run_at <= ?::bigint) AS due,
            COUNT(*) FILTER (WHERE run_at > ?::bigint) AS scheduled,
            MIN(run_at) FILTER (WHERE run_at <= ?::bigint) AS oldest
     FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND status <> 'delivering'`,
    [nowMs, nowMs, nowMs],
  );
  return { due: Number(row?.due ?? 0), scheduled: Number(row?.scheduled ?? 0), oldestDueAt: row?.oldest == null ? null : Number(row.oldest) };
}
