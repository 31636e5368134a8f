-- FTS5 merges its index segments inside the COMMIT that triggers them (automerge): measured at up to
-- 3.5 s on a 100,000-entry log during retention, with the event loop blocked. Merging now happens in
-- small steps from the background thread (wal-checkpoint-thread.ts); a crisis merge stays as a safety net.
INSERT INTO attempts_search (attempts_search, rank) VALUES ('automerge', 0);
INSERT INTO attempts_search (attempts_search, rank) VALUES ('crisismerge', 64);
