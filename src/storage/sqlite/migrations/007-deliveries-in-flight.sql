-- Fair claims count each endpoint's attempts in flight on every claim: this index holds only the
-- deliveries being attempted (a few per slot), so the count never walks the backlog of due or
-- scheduled deliveries (deliveries_due holds those too).
CREATE INDEX deliveries_in_flight ON deliveries (endpoint_id, run_at) WHERE status = 'delivering';
