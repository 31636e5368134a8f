import type { AttemptOutcome, HealthChanges } from '../storage.ts';
import type { SqlExecutor } from './postgres-database.ts';

// Endpoint health for a batch of outcomes, with the rules of the SQLite backend: `failing_since`
// starts at the first failure after a success and clears on the next success; a 410 or a failure
// streak older than the cutoff disables an enabled endpoint. Most outcomes change nothing (another
// success, another failure of a streak already counted), so the endpoints are first read without
// a lock and the outcomes applied in memory; only when that changes something are the endpoints
// that change locked (in id order, so concurrent batches never deadlock on them), read again and
// the outcomes applied again, and what changed is written back in one statement. A hot endpoint
// thus does not serialise every worker's outcome writes, only the ones that change its health.

interface EndpointHealth {
  enabled: boolean;
  failingSince: number | null;
  disabled: { reason: string; at: number } | null;
  changed: boolean;
}

/** Applies the batch's outcomes to its endpoints' health; returns the changes for operational events. */
export async function recordEndpointHealth(tx: SqlExecutor, outcomes: AttemptOutcome[]): Promise<HealthChanges> {
  // An ENDPOINT_DISABLED entry sent nothing: it says nothing of the receiver.
  const relevant = outcomes.filter((outcome) => outcome.attempt.error?.code !== 'ENDPOINT_DISABLED');
  if (relevant.length === 0) return { disabled: [], recovered: [] };
  const ids = [...new Set(relevant.map((outcome) => outcome.attempt.endpointId))];
  const guess = applyOutcomes(await readHealth(tx, ids, false), relevant);
  const touched = [...guess.health].filter(([, endpoint]) => endpoint.changed).map(([id]) => id);
  if (touched.length === 0) return guess.changes;

  const locked = applyOutcomes(await readHealth(tx, touched, true), relevant.filter((outcome) => touched.includes(outcome.attempt.endpointId)));
  const changed = [...locked.health].filter(([, endpoint]) => endpoint.changed);
  if (changed.length > 0) {
    await tx.run(
      `UPDATE endpoints e SET
         failing_since = h.failing_since,
         enabled = CASE WHEN h.disable THEN false ELSE e.enabled END,
         disabled_reason = CASE WHEN h.disable THEN h.reason ELSE e.disabled_reason END,
         updated_at = CASE WHEN h.disable THEN h.updated_at ELSE e.updated_at END
       FROM unnest(?::text[], ?::bigint[], ?::boolean[], ?::text[], ?::bigint[]) AS h (id, failing_since, disable, reason, updated_at)
       WHERE e.id = h.id`,
      [
        changed.map(([id]) => id),
        changed.map(([, endpoint]) => endpoint.failingSince),
        changed.map(([, endpoint]) => endpoint.disabled !== null),
        changed.map(([, endpoint]) => endpoint.disabled?.reason ?? null),
        changed.map(([, endpoint]) => endpoint.disabled?.at ?? null),
      ],
    );
  }
  return locked.changes;
}

async function readHealth(tx: SqlExecutor, ids: string[], lock: boolean): Promise<Map<string, EndpointHealth>> {
  const rows = await tx.all(`SELECT id, enabled, failing_since FROM endpoints WHERE id = ANY(?::text[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`, [ids]);
  return new Map(
    rows.map((row) => [
      String(row.id),
      { enabled: row.enabled === true, failingSince: row.failing_since === null ? null : Number(row.failing_since), disabled: null, changed: false },
    ]),
  );
}

/** The outcomes applied in order to the endpoints' health (mutated), and the changes they make. */
function applyOutcomes(health: Map<string, EndpointHealth>, outcomes: AttemptOutcome[]): { health: Map<string, EndpointHealth>; changes: HealthChanges } {
  const changes: HealthChanges = { disabled: [], recovered: [] };
  for (const outcome of outcomes) {
    const { attempt } = outcome;
    const endpoint = health.get(attempt.endpointId);
    if (!endpoint) continue;
    if (attempt.status === 'succeeded') {
      if (endpoint.failingSince !== null) {
        changes.recovered.push({ workspaceId: attempt.workspaceId, endpointId: attempt.endpointId, failingSince: endpoint.failingSince });
        endpoint.failingSince = null;
        endpoint.changed = true;
      }
      continue;
    }
    const failingSince = endpoint.failingSince ?? attempt.createdAt;
    if (endpoint.failingSince === null) {
      endpoint.failingSince = failingSince;
      endpoint.changed = true;
    }
    const reason = outcome.disableEndpoint
      ? outcome.disableEndpoint.reason
      : outcome.disableIfFailingSince && failingSince <= outcome.disableIfFailingSince.cutoff
        ? outcome.disableIfFailingSince.reason
        : null;
    if (reason !== null && endpoint.enabled) {
      endpoint.enabled = false;
      endpoint.disabled = { reason, at: attempt.completedAt };
      endpoint.changed = true;
      changes.disabled.push({ workspaceId: attempt.workspaceId, endpointId: attempt.endpointId, reason });
    }
  }
  return { health, changes };
}
