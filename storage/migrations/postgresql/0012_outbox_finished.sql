-- Finished outbox rows by age, for retention. PostgreSQL twin of
-- sqlite/0012_outbox_finished.sql, which says why it is partial.
CREATE INDEX outbox_finished ON outbox (created_at) WHERE state IN ('sent', 'superseded', 'dead');
