// Fairness of claims between endpoints, shared by both SQL backends' delivery queues.
//
// Slots are the attempts in flight (leases not yet ended, every worker process's on PostgreSQL) plus
// the `limit` of the claim being made. An endpoint's share is a quarter of them (at least one): within
// its share an endpoint is served in due order; beyond it, it may only borrow slots that nobody else
// wants, and never the last share's worth. So one slow or hanging endpoint with a flood of due
// deliveries holds at most three quarters of the slots, and endpoints within their share always find room.

/**
 * How many due deliveries a claim looks through, in due order, when some endpoints are at their share:
 * a bound on the claim's cost however large one endpoint's backlog grows (the scan is cheap: ~1 µs a
 * row). Deliveries of other endpoints further back than this wait until the backlog ahead shrinks.
 */
export const FAIR_SCAN_ROWS = 4096;

/** A due delivery the claim may take. */
export interface ClaimCandidate {
  id: string;
  endpointId: string;
}

/** An endpoint's share of the slots: a quarter of those in flight plus `limit`, at least 1. */
export function fairShare(held: ReadonlyMap<string, number>, limit: number): number {
  let total = limit;
  for (const n of held.values()) total += n;
  return Math.max(1, Math.ceil(total / 4));
}

/** Endpoints already holding their share: a claim leaves them out and lets them only borrow. */
export function endpointsAtShare(held: ReadonlyMap<string, number>, share: number): string[] {
  return [...held].filter(([, n]) => n >= share).map(([id]) => id);
}

/** Takes candidates in due order while their endpoint is under its share, up to `limit`; returns ids. */
export function chooseFairly(candidates: readonly ClaimCandidate[], held: ReadonlyMap<string, number>, share: number, limit: number): string[] {
  const taken = new Map<string, number>();
  const chosen: string[] = [];
  for (const candidate of candidates) {
    if (chosen.length >= limit) break;
    const holds = (held.get(candidate.endpointId) ?? 0) + (taken.get(candidate.endpointId) ?? 0);
    if (holds >= share) continue;
    taken.set(candidate.endpointId, (taken.get(candidate.endpointId) ?? 0) + 1);
    chosen.push(candidate.id);
  }
  return chosen;
}

/**
 * Slots endpoints over their share may still borrow after `chosen` were taken: a share stays free for
 * endpoints that are not (at least as many as the worker's claim batch, so it can claim them at once).
 */
export function borrowRoom(chosen: number, share: number, limit: number): number {
  return Math.max(0, limit - share - chosen);
}

/**
 * When the oldest due delivery has waited this long, the queue has a backlog, and strict due order
 * would make new work wait behind all of it (10,000 hanging endpoints with a delivery each: a healthy
 * endpoint waited their whole timeouts out). Then a quarter of each claim goes to the newest due
 * deliveries first: the backlog still drains, and fresh work is not starved.
 */
export const BACKLOG_AGE_MS = 1000;

/** How many of a claim's `limit` the fresh lane gets while there is a backlog. */
export function freshLaneSize(limit: number): number {
  return Math.max(1, Math.floor(limit / 4));
}

/** The fresh lane's candidates first, then the due-order ones not already among them. */
export function withFreshLane(fresh: readonly ClaimCandidate[], head: readonly ClaimCandidate[]): ClaimCandidate[] {
  const seen = new Set(fresh.map((candidate) => candidate.id));
  return [...fresh, ...head.filter((candidate) => !seen.has(candidate.id))];
}

/** How long a claim first trusts that nothing but the endpoints at their share was due (see {@link ClaimMemo}). */
export const CLAIM_MEMO_MS = 50;
/** The longest it trusts that, after looks in a row that found nothing past the same endpoints. */
export const CLAIM_MEMO_MAX_MS = 400;

/**
 * Remembers that a claim's look past the endpoints holding their share found nothing else due, so the
 * claims that follow with the same endpoints at their share skip that look: it walks up to
 * FAIR_SCAN_ROWS rows, and while one endpoint's flood fills the queue it found nothing every time
 * (measured: ~140 µs of claim per delivery on SQLite; on PostgreSQL ~5 ms a claim, ~300 µs of server
 * CPU per delivery). The memo is trusted for CLAIM_MEMO_MS, and twice as long after each look in a row
 * that found nothing past the same endpoints, up to CLAIM_MEMO_MAX_MS: a flood that drains for seconds
 * costs a look every 400 ms, not every 50 (on SQLite, ~2 ms of event loop each). A skipped look does not
 * extend the memo. Work queued through the storage that holds the memo (a publish, a retry, a release;
 * on PostgreSQL, also a notification that deliveries were queued) forgets it at once, unless it is
 * known to go only to endpoints the memo is about (`queued`); work that only becomes due as time
 * passes (a scheduled retry, an ended lease) waits at most CLAIM_MEMO_MAX_MS longer.
 */
export class ClaimMemo {
  #full: string[] | null = null;
  #until = 0;
  #trustMs = CLAIM_MEMO_MS;
  /** Counts forget()s, so a claim that ran across one does not remember what it saw before it. */
  #generation = 0;

  /** Taken before a claim's look, handed back to rememberNothingPast. */
  get generation(): number {
    return this.#generation;
  }

  /** The endpoints past which nothing else was due, while that is still trusted at `nowMs`; else null. */
  nothingPast(nowMs: number): string[] | null {
    return this.#full !== null && nowMs < this.#until ? this.#full : null;
  }

  /** Whether the look past exactly these endpoints (in any order) found nothing, still trusted at `nowMs`. */
  foundNothingPast(full: readonly string[], nowMs: number): boolean {
    const remembered = this.nothingPast(nowMs);
    return remembered !== null && sameEndpoints(remembered, full);
  }

  /**
   * Remembers, unless new work was queued since `generation` was taken (the look may have missed it).
   * A look past the same endpoints that found nothing again, after the last memo ran out, is trusted twice as long.
   */
  rememberNothingPast(full: readonly string[], nowMs: number, generation: number): void {
    if (generation !== this.#generation) return;
    const again = this.#full !== null && sameEndpoints(this.#full, full);
    this.#trustMs = again ? Math.min(this.#trustMs * 2, CLAIM_MEMO_MAX_MS) : CLAIM_MEMO_MS;
    this.#full = [...full];
    this.#until = nowMs + this.#trustMs;
  }

  /** A look past endpoints at their share found work: the next memo starts trusted for CLAIM_MEMO_MS again. */
  foundWorkPast(): void {
    this.#full = null;
    this.#trustMs = CLAIM_MEMO_MS;
  }

  /**
   * Deliveries to `endpointIds` were queued. Work for endpoints the memo is about changes nothing it
   * says (nothing else is due past them); any other endpoint's, or with no memo held, forgets.
   */
  queued(endpointIds: Iterable<string>): void {
    const full = this.#full;
    if (full === null) return this.forget();
    for (const id of endpointIds) if (!full.includes(id)) return this.forget();
  }

  /** New due work was queued: the next claim looks again. */
  forget(): void {
    this.#generation += 1;
    this.#full = null;
    this.#trustMs = CLAIM_MEMO_MS;
  }
}

function sameEndpoints(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && b.every((id) => a.includes(id));
}
