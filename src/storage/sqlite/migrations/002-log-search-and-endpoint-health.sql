-- The log's full-text search, and what auto-disable needs to know about an endpoint.

-- One row per attempt, rowid = attempts.rowid. Contentless: the text stays in attempts/events/attempt_details,
-- only the index is kept here; contentless_delete lets retention remove rows.
CREATE VIRTUAL TABLE attempts_search USING fts5(
  endpoint_url, event_type, error_message, request_body, response_body,
  content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

-- Since when every attempt to the endpoint has failed (NULL while the last attempt succeeded).
ALTER TABLE endpoints ADD COLUMN failing_since INTEGER;

-- Retention walks these in created_at order.
CREATE INDEX events_by_age ON events (created_at);
CREATE INDEX deliveries_by_age ON deliveries (created_at);
CREATE INDEX attempts_by_age ON attempts (created_at);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
