-- The claim reads due deliveries in due order and needs only their id and endpoint: with those (and the
-- status the partial index's condition names) in the index, it never visits the table. A claim looking
-- past endpoints at their fair share walks up to 4,096 such rows: 1.8 ms through the table, 1.1 ms
-- from the index alone; a plain claim of 32 candidates: 147 µs → 35 µs (bench/.claim-q measurements
-- are in the performance issue's note).
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (run_at, endpoint_id, id, status) WHERE status IN ('queued', 'pending_retry', 'delivering');
-- Hand-written planner statistics (migration 004) name this index; its shape is the same.
