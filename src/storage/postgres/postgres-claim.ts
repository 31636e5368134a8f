import type { ClaimAfter, ClaimedDelivery } from '../storage.ts';
import type { PgRow, PostgresDatabase } from './postgres-database.ts';
import { DELIVERY_COLUMNS, ENDPOINT_COLUMNS, toDelivery, toEndpoint } from './postgres-rows.ts';
import { UNFINISHED_DELIVERY } from '../sql/columns.ts';
import { BACKLOG_AGE_MS, FAIR_SCAN_ROWS, freshLaneSize, type ClaimMemo } from '../sql/fair-claim.ts';

// The worker's claim on PostgreSQL: the fair choice of `sql/fair-claim.ts`, the leases and everything
// sending needs (delivery, payload, endpoint), in one statement and one round trip. Fewer round trips
// hold fewer locks for less time, which is what lets several worker processes claim side by side.

const columns = (list: string): string[] => list.split(',').map((column) => column.trim());
/** The endpoint's columns come back as "endpoint.<column>", apart from the delivery's (`endpoint_url` is one). */
const ENDPOINT_FIELDS = columns(ENDPOINT_COLUMNS);
const endpointField = (column: string): string => `endpoint.${column}`;

/**
 * Step by step, as `chooseFairly`, `borrowRoom` and `withFreshLane` describe it; every CTE sees the
 * same snapshot, and each lock is taken with SKIP LOCKED, so claimers never wait for each other:
 * - `held`: attempts in flight in every worker (leases not yet ended), per endpoint (a function of
 *   migrations 005 and 006, which reads them by index scan, so dead index entries are marked once, not revisited);
 * - `fair`: the share (a quarter of held + limit, at least 1) and the endpoints already at it;
 * - `head`: candidates in due order, endpoints at their share left out; looking past them is bounded
 *   to the first FAIR_SCAN_ROWS due rows (only while some endpoint is at its share). Each row is
 *   locked as it is reached, so the scan stops once it has its `limit × 2`;
 * - `fresh`: while the oldest due delivery is older than BACKLOG_AGE_MS, the newest due ones, first;
 * - `chosen`: in that order, an endpoint's k-th candidate is taken while held + k ≤ share, `limit` at most;
 * - `borrowed`: while a share stays free, the oldest due deliveries of anyone, to fill the claim;
 * - the lease (the endpoint's timeout + margin), then the events' payloads and the endpoints (by
 *   their keys: the statement is planned once, when the tables may still be small).
 * The look past endpoints at their share is skipped (`scan_rows` 0) while the claim memo says it
 * found nothing past these same endpoints (`ClaimMemo`); one row always comes back, claims or not,
 * with what the look saw ("look.*"), for the memo, and what `nextRunAt()` would answer after the claim
 * (the earliest run_at of the deliveries not claimed, as of the claim's snapshot, or of the new leases),
 * which spares the worker that round trip after each claim that was not full.
 * Placeholders are numbered, not `?` (`prepared` leaves them as they are), since each is used several
 * times: $1 now, $2 limit, $3 the fresh lane's size, $4 where leases start (now + margin), $5 the memo's endpoints (or null).
 */
const CLAIM = `
WITH held AS MATERIALIZED (
  SELECT endpoint_id COLLATE "C" AS endpoint_id, n FROM herald_leases_held($1::bigint)
),
fair AS MATERIALIZED (
  SELECT share, full_ids,
    CASE WHEN cardinality(full_ids) = 0 THEN NULL
         WHEN $5::text[] IS NOT NULL AND full_ids @> $5::text[] AND full_ids <@ $5::text[] THEN 0
         ELSE ${FAIR_SCAN_ROWS} END AS scan_rows
  FROM (
    SELECT share, ARRAY(SELECT endpoint_id FROM held WHERE n >= share) AS full_ids
    FROM (SELECT greatest(1, ceil(($2::int + coalesce(sum(n), 0)) / 4.0))::int AS share FROM held) total
  ) shares
),
head AS MATERIALIZED (
  SELECT d.id, d.endpoint_id, d.run_at
  FROM (
    SELECT id, endpoint_id, run_at FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND run_at <= $1::bigint ORDER BY run_at
    LIMIT (SELECT scan_rows FROM fair)
  ) scanned
  CROSS JOIN LATERAL (
    SELECT id, endpoint_id, run_at FROM deliveries WHERE id = scanned.id AND ${UNFINISHED_DELIVERY} AND run_at <= $1::bigint FOR UPDATE SKIP LOCKED
  ) d
  WHERE NOT (scanned.endpoint_id = ANY((SELECT full_ids FROM fair)::text[]))
  ORDER BY scanned.run_at
  LIMIT $2::int * 2
),
fresh AS MATERIALIZED (
  SELECT id, endpoint_id, run_at FROM deliveries
  WHERE ${UNFINISHED_DELIVERY} AND run_at <= $1::bigint
    AND (SELECT coalesce(min(run_at) <= $1::bigint - ${BACKLOG_AGE_MS}, false) FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND run_at <= $1::bigint)
  ORDER BY run_at DESC LIMIT $3::int
  FOR UPDATE SKIP LOCKED
),
candidates AS MATERIALIZED (
  SELECT id, endpoint_id, row_number() OVER (ORDER BY run_at DESC) AS pos FROM fresh
  UNION ALL
  SELECT id, endpoint_id, $3::int + row_number() OVER (ORDER BY run_at) FROM head WHERE id NOT IN (SELECT id FROM fresh)
),
chosen AS MATERIALIZED (
  SELECT c.id, c.pos FROM (
    SELECT id, endpoint_id, pos, row_number() OVER (PARTITION BY endpoint_id ORDER BY pos) AS k FROM candidates
  ) c
  LEFT JOIN held h ON h.endpoint_id = c.endpoint_id
  WHERE coalesce(h.n, 0) + c.k <= (SELECT share FROM fair)
  ORDER BY c.pos LIMIT $2::int
),
borrowed AS MATERIALIZED (
  SELECT id, run_at FROM deliveries
  WHERE ${UNFINISHED_DELIVERY} AND run_at <= $1::bigint AND id NOT IN (SELECT id FROM chosen)
  ORDER BY run_at
  LIMIT (
    SELECT CASE WHEN cardinality(full_ids) > 0 OR (SELECT count(*) FROM candidates) > (SELECT count(*) FROM chosen)
      THEN greatest(0, $2::int - share - (SELECT count(*) FROM chosen)) ELSE 0 END
    FROM fair
  )
  FOR UPDATE SKIP LOCKED
),
due AS MATERIALIZED (
  SELECT id, 0 AS lane, pos AS n FROM chosen
  UNION ALL
  SELECT id, 1, row_number() OVER (ORDER BY run_at) FROM borrowed
),
claimed AS (
  UPDATE deliveries d
  SET status = 'delivering',
      run_at = $4::bigint + coalesce((SELECT timeout_ms FROM endpoints e WHERE e.id = d.endpoint_id), 0)
  WHERE d.id = ANY(ARRAY(SELECT id FROM due))
  RETURNING ${columns(DELIVERY_COLUMNS).map((column) => `d.${column}`).join(', ')}
),
claimed_endpoints AS (
  SELECT ${ENDPOINT_FIELDS.map((column) => `${column} AS "${endpointField(column)}"`).join(', ')}
  FROM endpoints WHERE id = ANY(ARRAY(SELECT endpoint_id FROM claimed)) AND deleted_at IS NULL
)
SELECT look.*, sent.*
FROM (
  SELECT full_ids AS "look.full_ids", scan_rows AS "look.scan_rows", (SELECT count(*) FROM head)::int AS "look.found",
    least(
      (SELECT min(run_at) FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND id NOT IN (SELECT id FROM due)),
      (SELECT min(run_at) FROM claimed)
    ) AS "look.next_run_at"
  FROM fair
) look
LEFT JOIN (
  SELECT claimed.*, ev.payload, claimed_endpoints.*, due.lane AS "due.lane", due.n AS "due.n"
  FROM claimed
  JOIN due ON due.id = claimed.id
  LEFT JOIN events ev ON ev.id = claimed.event_id
  LEFT JOIN claimed_endpoints ON claimed_endpoints."${endpointField('id')}" = claimed.endpoint_id
) sent ON true
ORDER BY sent."due.lane", sent."due.n"`;

/**
 * Claims up to `limit` due deliveries, fairly between endpoints (`sql/fair-claim.ts`), each under a
 * lease of its endpoint's timeout plus `leaseMarginMs`, in one statement. Claimers in other processes
 * take disjoint sets (FOR UPDATE SKIP LOCKED) and never wait for each other. The statement is named,
 * so each connection parses and plans it once (planning it cost about as much as running it).
 */
export async function claimDueDeliveries(
  db: PostgresDatabase, nowMs: number, limit: number, leaseMarginMs: number, memo: ClaimMemo, after?: ClaimAfter,
): Promise<ClaimedDelivery[]> {
  const remembered = memo.nothingPast(nowMs);
  const generation = memo.generation;
  const rows = await db.prepared('herald_claim_due_deliveries', CLAIM, [nowMs, limit, freshLaneSize(limit), nowMs + leaseMarginMs, remembered]);
  const look = rows[0];
  const full = (look?.['look.full_ids'] ?? []) as string[];
  // The look ran (not skipped, not unbounded): did it find anything past the endpoints at their share?
  if (full.length > 0 && Number(look?.['look.scan_rows']) > 0) {
    if (Number(look?.['look.found']) === 0) memo.rememberNothingPast(full, nowMs, generation);
    else memo.foundWorkPast();
  }
  if (after && look) after.nextRunAt = look['look.next_run_at'] === null || look['look.next_run_at'] === undefined ? null : Number(look['look.next_run_at']);
  return rows.filter((row) => row.id !== null && row.id !== undefined).map((row) => {
    const delivery = toDelivery(row);
    return {
      delivery,
      attempt: delivery.attemptCount + 1,
      trigger: delivery.nextTrigger,
      payload: row.payload === null || row.payload === undefined ? 'null' : String(row.payload),
      endpoint: row[endpointField('id')] === null ? null : toEndpoint(endpointRow(row)),
    };
  });
}

function endpointRow(row: PgRow): PgRow {
  return Object.fromEntries(ENDPOINT_FIELDS.map((column) => [column, row[endpointField(column)]]));
}
