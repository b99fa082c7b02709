-- What kind of failure a transition came from (probes.result.ErrorKind value; NULL for a
-- recovery or an older row), so /history can word the reason in every language rather
-- than echo the probe's English detail. PostgreSQL twin of sqlite/0008_transition_error.sql.
ALTER TABLE transitions ADD COLUMN error TEXT;
