-- The stats rollups (006) are now kept by the write paths themselves, summed per transaction
-- (sqlite-rollup-tally.ts), instead of by these triggers row by row: a batch of 64 delivered attempts
-- wrote ~500 rollup rows through them (~95 µs of SQLite work per delivery), and writes ~10 now.
DROP TRIGGER attempts_rollup;
DROP TRIGGER deliveries_rollup_insert;
DROP TRIGGER deliveries_rollup_update;
