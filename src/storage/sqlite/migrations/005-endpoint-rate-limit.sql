-- The shared rate limit of an endpoint (GCRA): when its next request is theoretically due, in epoch ms.
ALTER TABLE endpoints ADD COLUMN rate_tat REAL;
