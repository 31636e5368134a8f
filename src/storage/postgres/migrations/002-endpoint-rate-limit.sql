-- The shared rate limit of an endpoint (GCRA), held by every worker process: when its next request is
-- theoretically due, in epoch ms.
ALTER TABLE endpoints ADD COLUMN rate_tat double precision;
