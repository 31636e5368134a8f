import type { EndpointRecord } from '../records.ts';
import type { AttemptOutcome, ClaimedDelivery, HealthChanges } from '../storage.ts';
import type { PostgresDatabase, SqlExecutor } from './postgres-database.ts';
import { recordEndpointHealth } from './postgres-endpoint-health.ts';
import { announceLogWriter } from './postgres-log-stream.ts';
import type { AttemptPartitions } from './postgres-partitions.ts';
import { ATTEMPT_COLUMN_LIST, ATTEMPT_COLUMN_TYPES, ATTEMPT_COLUMNS, ENDPOINT_COLUMNS, attemptValues, columnsOf, toDelivery, toEndpoint } from './postgres-rows.ts';
import { searchVector } from './postgres-search.ts';
import { BACKLOG_AGE_MS, FAIR_SCAN_ROWS, borrowRoom, chooseFairly, endpointsAtShare, fairShare, freshLaneSize, withFreshLane } from '../sql/fair-claim.ts';

// The worker's side of storage: claim due deliveries under a lease, give them back, record outcomes.

const ACTIVE = `status IN ('queued', 'pending_retry', 'delivering')`;

/**
 * Claims up to `limit` due deliveries, oldest due first, fairly between endpoints
 * (`sql/fair-claim.ts`: one slow or hanging endpoint cannot take every slot). The candidates are
 * locked with FOR UPDATE SKIP LOCKED, so workers claiming at the same time take disjoint sets and
 * never wait for each other. Each lease lasts the endpoint's timeout plus `leaseMarginMs`.
 */
export async function claimDueDeliveries(db: PostgresDatabase, nowMs: number, limit: number, leaseMarginMs: number): Promise<ClaimedDelivery[]> {
  const rows = await db.transaction(async (tx) => {
    // In flight in every worker: leases not yet ended (an ended lease is due again).
    const held = new Map(
      (await tx.all(`SELECT endpoint_id, COUNT(*) AS n FROM deliveries WHERE status = 'delivering' AND run_at > ?::bigint GROUP BY endpoint_id`, [nowMs]))
        .map((row) => [String(row.endpoint_id), Number(row.n)]),
    );
    const share = fairShare(held, limit);
    const full = endpointsAtShare(held, share);
    // Looking past them is bounded (FAIR_SCAN_ROWS), so a huge backlog of one endpoint cannot make every claim slow.
    let candidates = (await (full.length === 0
      ? tx.all(`SELECT id, endpoint_id FROM deliveries WHERE ${ACTIVE} AND run_at <= ?::bigint ORDER BY run_at LIMIT ? FOR UPDATE SKIP LOCKED`, [nowMs, limit * 2])
      : tx.all(
        `SELECT id, endpoint_id FROM deliveries
         WHERE id IN (SELECT id FROM deliveries WHERE ${ACTIVE} AND run_at <= ?::bigint ORDER BY run_at LIMIT ?)
           AND ${ACTIVE} AND run_at <= ?::bigint AND NOT (endpoint_id = ANY(?::text[]))
         ORDER BY run_at LIMIT ? FOR UPDATE SKIP LOCKED`,
        [nowMs, FAIR_SCAN_ROWS, nowMs, full, limit * 2],
      )
    )).map((row) => ({ id: String(row.id), endpointId: String(row.endpoint_id) }));
    const oldest = Number((await tx.get(`SELECT MIN(run_at) AS at FROM deliveries WHERE ${ACTIVE} AND run_at <= ?::bigint`, [nowMs]))?.at ?? nowMs);
    if (oldest <= nowMs - BACKLOG_AGE_MS) {
      // A backlog: the newest due deliveries get a lane of their own (fair-claim.ts).
      const fresh = (await tx.all(
        `SELECT id, endpoint_id FROM deliveries WHERE ${ACTIVE} AND run_at <= ?::bigint ORDER BY run_at DESC LIMIT ? FOR UPDATE SKIP LOCKED`,
        [nowMs, freshLaneSize(limit)],
      )).map((row) => ({ id: String(row.id), endpointId: String(row.endpoint_id) }));
      candidates = withFreshLane(fresh, candidates);
    }
    let due = chooseFairly(candidates, held, share, limit);
    const room = borrowRoom(due.length, share, limit);
    if (room > 0 && (full.length > 0 || candidates.length > due.length)) {
      const more = await tx.all(
        `SELECT id FROM deliveries WHERE ${ACTIVE} AND run_at <= ?::bigint AND NOT (id = ANY(?::text[]))
         ORDER BY run_at LIMIT ? FOR UPDATE SKIP LOCKED`,
        [nowMs, due, room],
      );
      due = [...due, ...more.map((row) => String(row.id))];
    }
    if (due.length === 0) return [];
    return tx.all(
      `WITH claimed AS (
         UPDATE deliveries d
         SET status = 'delivering',
             run_at = ?::bigint + COALESCE((SELECT timeout_ms FROM endpoints e WHERE e.id = d.endpoint_id), 0)
         WHERE d.id = ANY(?::text[])
         RETURNING d.*
       )
       SELECT claimed.*, ev.payload FROM claimed LEFT JOIN events ev ON ev.id = claimed.event_id`,
      [nowMs + leaseMarginMs, due],
    ).then((claimed) => {
      const order = new Map(due.map((id, index) => [id, index]));
      return claimed.sort((x, y) => order.get(String(x.id))! - order.get(String(y.id))!);
    });
  });
  if (rows.length === 0) return [];
  const endpointIds = [...new Set(rows.map((row) => String(row.endpoint_id)))];
  const endpoints = new Map<string, EndpointRecord>(
    (await db.all(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE id = ANY(?::text[]) AND deleted_at IS NULL`, [endpointIds]))
      .map((row) => [String(row.id), toEndpoint(row)]),
  );
  return rows.map((row) => {
    const delivery = toDelivery(row);
    return {
      delivery,
      attempt: delivery.attemptCount + 1,
      trigger: delivery.nextTrigger,
      payload: row.payload === null || row.payload === undefined ? 'null' : String(row.payload),
      endpoint: endpoints.get(delivery.endpointId) ?? null,
    };
  });
}

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

const INSERT_ATTEMPTS = `INSERT INTO attempts (${ATTEMPT_COLUMNS}, search)
  SELECT * FROM unnest(${ATTEMPT_COLUMN_LIST.map((column) => `?::${ATTEMPT_COLUMN_TYPES[column]}[]`).join(', ')}, ?::tsvector[])
  ON CONFLICT (id, created_at) DO NOTHING
  RETURNING id`;

const INSERT_DETAILS = `INSERT INTO attempt_details (attempt_id, created_at, request_headers, response_headers, response_body, response_body_truncated)
  SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::boolean[])
  ON CONFLICT (attempt_id, created_at) DO NOTHING`;

/**
 * A retry requested while the attempt was in flight wins over the computed next state; a
 * succeeded delivery is final (a late outcome from an expired lease is logged, changes nothing).
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
  WHERE d.id = o.id AND d.status <> 'succeeded'`;

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
    (await db.all('SELECT id, payload FROM events WHERE id = ANY(?::text[])', [eventIds])).map((row) => [String(row.id), String(row.payload)]),
  );
  const vectors = outcomes.map(({ attempt, detail }) =>
    searchVector([attempt.endpointUrl, attempt.eventType, attempt.error?.message ?? null, detail.responseBody, payloads.get(attempt.eventId) ?? null]),
  );
  return { outcomes, vectors };
}

/**
 * Writes prepared outcomes inside the caller's transaction, a few statements whatever the batch
 * size: the log entries (with their search vectors) and details as multi-row inserts, the
 * endpoints' health, the deliveries' new state, and a NOTIFY on `attemptsChannel` that goes out
 * at commit. Idempotent: an entry already in the log (a retry after a commit whose answer was
 * lost) is skipped with everything it would change.
 */
export async function writeOutcomes(tx: SqlExecutor, prepared: PreparedOutcomes, options: { floorTag: number; attemptsChannel: string }): Promise<HealthChanges> {
  const { outcomes, vectors } = prepared;
  await announceLogWriter(tx, options.floorTag);
  const attemptColumns = columnsOf(outcomes.map((outcome) => attemptValues(outcome.attempt)), ATTEMPT_COLUMN_LIST.length);
  const inserted = new Set((await tx.all(INSERT_ATTEMPTS, [...attemptColumns, vectors])).map((row) => String(row.id)));
  const fresh = outcomes.filter((outcome) => inserted.has(outcome.attempt.id));
  if (fresh.length === 0) return { disabled: [], recovered: [] };
  await tx.run(INSERT_DETAILS, [
    fresh.map((o) => o.attempt.id),
    fresh.map((o) => o.attempt.createdAt),
    fresh.map((o) => JSON.stringify(o.detail.requestHeaders)),
    fresh.map((o) => JSON.stringify(o.detail.responseHeaders)),
    fresh.map((o) => o.detail.responseBody),
    fresh.map((o) => o.detail.responseBodyTruncated),
  ]);
  // Endpoints are locked before deliveries, in every transaction that locks both.
  const changes = await recordEndpointHealth(tx, fresh);
  // One UPDATE per round; a delivery that has several outcomes in the batch gets them in order, one per round.
  for (const round of rounds(fresh)) {
    await tx.run(UPDATE_DELIVERIES, [
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
    ]);
  }
  await tx.all("SELECT pg_notify(?, '')", [options.attemptsChannel]);
  return changes;
}

/** Records a batch of outcomes in one transaction (see `writeOutcomes`). Two outcomes with the same id in one batch fail it. */
export async function recordOutcomes(
  db: PostgresDatabase,
  partitions: AttemptPartitions,
  options: { floorTag: number; attemptsChannel: string },
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
  const row = await db.get(`SELECT MIN(run_at) AS next FROM deliveries WHERE ${ACTIVE}`);
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/** Due and scheduled counts, and the oldest due time, for metrics. */
export async function queueDepth(db: PostgresDatabase, nowMs: number): Promise<{ due: number; scheduled: number; oldestDueAt: number | null }> {
  const row = await db.get(
    `SELECT COUNT(*) FILTER (WHERE run_at <= ?::bigint) AS due,
            COUNT(*) FILTER (WHERE run_at > ?::bigint) AS scheduled,
            MIN(run_at) FILTER (WHERE run_at <= ?::bigint) AS oldest
     FROM deliveries WHERE ${ACTIVE} AND status <> 'delivering'`,
    [nowMs, nowMs, nowMs],
  );
  return { due: Number(row?.due ?? 0), scheduled: Number(row?.scheduled ?? 0), oldestDueAt: row?.oldest == null ? null : Number(row.oldest) };
}
