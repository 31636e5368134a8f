import type { EndpointRecord } from '../records.ts';
import type { AttemptOutcome, ClaimedDelivery, HealthChanges } from '../storage.ts';
import type { SqliteDatabase, SqlRow, SqlValue } from './sqlite-database.ts';
import { RollupTally } from './sqlite-rollup-tally.ts';
import { ATTEMPT_COLUMNS, ENDPOINT_COLUMNS, attemptValues, toDelivery, toEndpoint } from './sqlite-rows.ts';
import { UNFINISHED_DELIVERY } from '../sql/columns.ts';
import { BACKLOG_AGE_MS, FAIR_SCAN_ROWS, borrowRoom, chooseFairly, endpointsAtShare, fairShare, freshLaneSize, withFreshLane, type ClaimMemo } from '../sql/fair-claim.ts';

// The worker's side of storage: claim due deliveries under a lease, give them back, record outcomes.

/**
 * Claims up to `limit` due deliveries (oldest due first) and loads what sending them needs.
 * Each lease lasts the endpoint's timeout plus `leaseMarginMs`: long enough for the attempt, short
 * enough that a dead worker's deliveries come back soon. The choice is fair between endpoints
 * (`sql/fair-claim.ts`): a flood to one slow or hanging endpoint cannot take every slot.
 */
export function claimDueDeliveries(db: SqliteDatabase, nowMs: number, limit: number, leaseMarginMs: number, memo: ClaimMemo): ClaimedDelivery[] {
  return db.transaction(() => {
    // In flight: leases not yet ended (an ended lease is due again and counts as waiting).
    const held = new Map(
      db.all(`SELECT endpoint_id, COUNT(*) AS n FROM deliveries WHERE status = 'delivering' AND run_at > ? GROUP BY endpoint_id`, [nowMs])
        .map((row) => [String(row.endpoint_id), Number(row.n)]),
    );
    const share = fairShare(held, limit);
    const full = endpointsAtShare(held, share);
    // Candidates in due order, endpoints already at their share left out (they may only borrow, below).
    // Looking past them is bounded (FAIR_SCAN_ROWS), so a huge backlog of one endpoint cannot make every claim slow.
    const skipLook = full.length > 0 && memo.foundNothingPast(full, nowMs);
    let candidates = (full.length === 0
      ? db.all(`SELECT id, endpoint_id FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND run_at <= ? ORDER BY run_at LIMIT ?`, [nowMs, limit * 2])
      : skipLook
        ? []
        : db.all(
          `SELECT id, endpoint_id FROM (SELECT id, endpoint_id, run_at FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND run_at <= ? ORDER BY run_at LIMIT ?)
           WHERE endpoint_id NOT IN (SELECT value FROM json_each(?)) ORDER BY run_at LIMIT ?`,
          [nowMs, FAIR_SCAN_ROWS, JSON.stringify(full), limit * 2],
        )
    ).map((row) => ({ id: String(row.id), endpointId: String(row.endpoint_id) }));
    if (full.length > 0 && !skipLook) {
      if (candidates.length === 0) memo.rememberNothingPast(full, nowMs, memo.generation);
      else memo.foundWorkPast();
    }
    const oldest = Number(db.get(`SELECT MIN(run_at) AS at FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND run_at <= ?`, [nowMs])?.at ?? nowMs);
    if (oldest <= nowMs - BACKLOG_AGE_MS) {
      // A backlog: the newest due deliveries get a lane of their own (fair-claim.ts).
      const fresh = db.all(
        `SELECT id, endpoint_id FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND run_at <= ? ORDER BY run_at DESC LIMIT ?`,
        [nowMs, freshLaneSize(limit)],
      ).map((row) => ({ id: String(row.id), endpointId: String(row.endpoint_id) }));
      candidates = withFreshLane(fresh, candidates);
    }
    let due = chooseFairly(candidates, held, share, limit);
    const room = borrowRoom(due.length, share, limit);
    if (room > 0 && (full.length > 0 || candidates.length > due.length)) {
      // Endpoints at their share may borrow slots nobody else wants, as long as a share stays free.
      const chosen = new Set(due);
      const more = db.all(`SELECT id FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND run_at <= ? ORDER BY run_at LIMIT ?`, [nowMs, due.length + room])
        .map((row) => String(row.id)).filter((id) => !chosen.has(id)).slice(0, room);
      due = [...due, ...more];
    }
    if (due.length === 0) return [];
    const order = new Map(due.map((id, index) => [id, index]));
    const dueJson = JSON.stringify(due);
    // Read before the update (statuses for the rollups, payloads, lease lengths), not with RETURNING:
    // RETURNING costs as much again as the update itself (measured: ~7 µs a row).
    const rows = db.all(
      `SELECT d.*, e.payload AS event_payload, COALESCE(ep.timeout_ms, 0) AS lease_timeout_ms
       FROM deliveries d LEFT JOIN events e ON e.id = d.event_id LEFT JOIN endpoints ep ON ep.id = d.endpoint_id
       WHERE d.id IN (SELECT value FROM json_each(?))`,
      [dueJson],
    );
    db.run(
      `UPDATE deliveries
       SET status = 'delivering',
           run_at = ? + COALESCE((SELECT timeout_ms FROM endpoints WHERE endpoints.id = deliveries.endpoint_id), 0)
       WHERE id IN (SELECT value FROM json_each(?))`,
      [nowMs + leaseMarginMs, dueJson],
    );
    rows.sort((a, b) => order.get(String(a.id))! - order.get(String(b.id))!);
    const tally = new RollupTally();
    for (const row of rows) {
      tally.delivery(row, String(row.status), 'delivering');
      row.status = 'delivering'; // as the update left it
      row.run_at = nowMs + leaseMarginMs + Number(row.lease_timeout_ms);
    }
    tally.write(db);
    const endpoints = new Map<string, EndpointRecord | null>();
    return rows.map((row) => {
      const delivery = toDelivery(row);
      if (!endpoints.has(delivery.endpointId)) {
        const endpointRow = db.get(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE id = ? AND deleted_at IS NULL`, [delivery.endpointId]);
        endpoints.set(delivery.endpointId, endpointRow ? toEndpoint(endpointRow) : null);
      }
      return {
        delivery,
        attempt: delivery.attemptCount + 1,
        trigger: delivery.nextTrigger,
        payload: String(row.event_payload ?? 'null'),
        endpoint: endpoints.get(delivery.endpointId) ?? null,
      };
    });
  });
}

/** Puts claimed deliveries back as they were, due at `runAt`; no attempt is counted. */
export function releaseDeliveries(db: SqliteDatabase, releases: Array<{ deliveryId: string; runAt: number }>): void {
  db.transaction(() => {
    const tally = new RollupTally();
    for (const release of releases) {
      const row = db.get(
        `UPDATE deliveries SET status = CASE WHEN attempt_count = 0 THEN 'queued' ELSE 'pending_retry' END, run_at = ?
         WHERE id = ? AND status = 'delivering'
         RETURNING status, workspace_id, endpoint_id, created_at`,
        [release.runAt, release.deliveryId],
      );
      if (row) tally.delivery(row, 'delivering', String(row.status));
    }
    tally.write(db);
  });
}

/** The status of each of `ids` now (before a write changes it, for the rollups). */
export function statusesOf(db: SqliteDatabase, ids: readonly string[]): Map<string, string> {
  return new Map(
    db.all('SELECT id, status FROM deliveries WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)])
      .map((row) => [String(row.id), String(row.status)]),
  );
}

/** A delivery as an outcome finds it: what the update's result and the rollups depend on. */
interface DeliveryState {
  status: string;
  retryRequested: boolean;
  /** workspace_id, endpoint_id, created_at: the delivery's rollup key. */
  row: SqlRow;
}

/** The state of each of `ids` now, read once for a batch of outcomes. */
function deliveryStates(db: SqliteDatabase, ids: readonly string[]): Map<string, DeliveryState> {
  return new Map(
    db.all('SELECT id, status, retry_requested, workspace_id, endpoint_id, created_at FROM deliveries WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)])
      .map((row) => [String(row.id), { status: String(row.status), retryRequested: Number(row.retry_requested) === 1, row }]),
  );
}

/**
 * An attempt's outcome on its delivery. A retry requested while the attempt was in flight wins over the
 * computed next state. A succeeded delivery is final.
 */
const UPDATE_FROM_OUTCOME = `UPDATE deliveries SET
    attempt_count = MAX(attempt_count, ?),
    status = CASE WHEN retry_requested = 1 THEN 'queued' ELSE ? END,
    run_at = CASE WHEN retry_requested = 1 THEN ? ELSE ? END,
    next_trigger = CASE WHEN retry_requested = 1 THEN 'manual' ELSE 'scheduled' END,
    retry_requested = 0,
    delivered_at = COALESCE(?, delivered_at),
    response_status = ?, response_latency_ms = ?, last_error_code = ?, last_error_message = ?
  WHERE id = ? AND status <> 'succeeded'`;

const INSERT_ATTEMPT = `INSERT INTO attempts (${ATTEMPT_COLUMNS}) VALUES (${ATTEMPT_COLUMNS.split(',').map(() => '?').join(', ')})`;

// VALUES, not INSERT … SELECT: FTS5 writes one index segment per INSERT … SELECT statement (1,000 rows →
// 1,002 segments instead of 9), which cost time at every insert and merges later. The same flush happens
// whenever a later statement of the transaction opens a statement savepoint (an UPDATE … RETURNING, an
// upsert), so recordOutcomes writes its search rows last.
const INSERT_SEARCH = `INSERT INTO attempts_search (rowid, endpoint_url, event_type, error_message, request_body, response_body)
  VALUES (?, ?, ?, ?, COALESCE((SELECT payload FROM events WHERE id = ?), ''), ?)`;

/**
 * Writes each attempt, its detail, its search row and its delivery's new state in one transaction
 * (group commit), and keeps the endpoint's health: `failing_since` starts at the first failure after
 * a success and clears on the next success; 410 or a long enough failure streak disables the endpoint.
 * A retry requested while the attempt was in flight wins over the computed next state: the delivery
 * is queued again at once for a manual attempt. A succeeded delivery is final: a late outcome (from a
 * worker whose lease expired while another worker delivered it) is logged but changes nothing.
 */
export function recordOutcomes(db: SqliteDatabase, outcomes: AttemptOutcome[]): HealthChanges {
  const changes: HealthChanges = { disabled: [], recovered: [] };
  const healthy = new Set<string>(); // endpoints known, within this batch, to have no failing_since
  db.transaction(() => {
    const tally = new RollupTally();
    const before = deliveryStates(db, outcomes.map((outcome) => outcome.attempt.deliveryId));
    const searchRows: SqlValue[][] = [];
    for (const outcome of outcomes) {
      const { attempt, detail, delivery } = outcome;
      const seq = db.insert(INSERT_ATTEMPT, attemptValues(attempt));
      tally.attempt({
        workspaceId: attempt.workspaceId, endpointId: attempt.endpointId, createdAt: attempt.createdAt, status: attempt.status,
        httpStatus: attempt.httpStatus, errorCode: attempt.error?.code ?? null, durationMs: attempt.durationMs,
      });
      db.run(
        `INSERT INTO attempt_details (attempt_id, request_headers, response_headers, response_body, response_body_truncated)
         VALUES (?, ?, ?, ?, ?)`,
        [attempt.id, JSON.stringify(detail.requestHeaders), JSON.stringify(detail.responseHeaders), detail.responseBody, detail.responseBodyTruncated ? 1 : 0],
      );
      searchRows.push([seq, attempt.endpointUrl, attempt.eventType, attempt.error?.message ?? '', attempt.eventId, detail.responseBody]);
      // No RETURNING (it doubled the cost of this update): what it would say follows from the state read above.
      const state = before.get(attempt.deliveryId);
      const updated = state !== undefined && state.status !== 'succeeded' && db.run(UPDATE_FROM_OUTCOME, [
        attempt.attempt, delivery.status, attempt.completedAt, delivery.runAt, delivery.deliveredAt,
        delivery.responseStatus, delivery.responseLatencyMs, delivery.lastError?.code ?? null, delivery.lastError?.message ?? null,
        attempt.deliveryId,
      ]) > 0;
      if (updated) {
        const status = state.retryRequested ? 'queued' : delivery.status;
        tally.delivery(state.row, state.status, status);
        // Two outcomes of one delivery in a batch (a late one and a new one): the second starts where the first left it.
        state.status = status;
        state.retryRequested = false;
      }
      recordHealth(db, outcome, changes, healthy);
    }
    tally.write(db);
    // Last: any statement after an FTS5 insert that opens a statement savepoint flushes FTS5's pending
    // terms into a segment of their own. Measured on 50,000 outcomes in batches of 64: 71–77 µs per
    // outcome for the update, search row and commit interleaved, 37–44 µs with the search rows last.
    for (const row of searchRows) db.run(INSERT_SEARCH, row);
  });
  return changes;
}

function recordHealth(db: SqliteDatabase, outcome: AttemptOutcome, changes: HealthChanges, healthy: Set<string>): void {
  const { attempt } = outcome;
  if (attempt.error?.code === 'ENDPOINT_DISABLED') return; // nothing was sent: says nothing of the receiver
  const disable = (reason: string, extraWhere: string, params: SqlValue[]) => {
    const changed = db.run(`UPDATE endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1 ${extraWhere}`, [
      reason, attempt.completedAt, attempt.endpointId, ...params,
    ]);
    if (changed > 0) changes.disabled.push({ workspaceId: attempt.workspaceId, endpointId: attempt.endpointId, reason });
  };
  if (attempt.status === 'succeeded') {
    if (healthy.has(attempt.endpointId)) return; // a success earlier in the batch already cleared it
    healthy.add(attempt.endpointId);
    const row = db.get('SELECT failing_since FROM endpoints WHERE id = ?', [attempt.endpointId]);
    if (row?.failing_since !== null && row?.failing_since !== undefined) {
      db.run('UPDATE endpoints SET failing_since = NULL WHERE id = ?', [attempt.endpointId]);
      changes.recovered.push({ workspaceId: attempt.workspaceId, endpointId: attempt.endpointId, failingSince: Number(row.failing_since) });
    }
    return;
  }
  healthy.delete(attempt.endpointId);
  db.run('UPDATE endpoints SET failing_since = COALESCE(failing_since, ?) WHERE id = ?', [attempt.createdAt, attempt.endpointId]);
  if (outcome.disableEndpoint) disable(outcome.disableEndpoint.reason, '', []);
  else if (outcome.disableIfFailingSince) {
    disable(outcome.disableIfFailingSince.reason, 'AND failing_since <= ?', [outcome.disableIfFailingSince.cutoff]);
  }
}

/** The earliest due time or lease end among unfinished deliveries. */
export function nextRunAt(db: SqliteDatabase): number | null {
  const row = db.get(`SELECT MIN(run_at) AS next FROM deliveries WHERE ${UNFINISHED_DELIVERY}`);
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/** Due and scheduled counts, and the oldest due time, for metrics. */
export function queueDepth(db: SqliteDatabase, nowMs: number): { due: number; scheduled: number; oldestDueAt: number | null } {
  const row = db.get(
    `SELECT SUM(CASE WHEN run_at <= ? THEN 1 ELSE 0 END) AS due,
            SUM(CASE WHEN run_at > ? THEN 1 ELSE 0 END) AS scheduled,
            MIN(CASE WHEN run_at <= ? THEN run_at END) AS oldest
     FROM deliveries WHERE ${UNFINISHED_DELIVERY} AND status <> 'delivering'`,
    [nowMs, nowMs, nowMs],
  );
  return { due: Number(row?.due ?? 0), scheduled: Number(row?.scheduled ?? 0), oldestDueAt: row?.oldest == null ? null : Number(row.oldest) };
}
