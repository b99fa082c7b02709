-- Finished outbox rows by age, for retention (storage/retention.py), which deletes rows sent,
-- superseded or dead over 7 days ago in chunks: each chunk reads the oldest finished rows
-- here instead of scanning the table (a fan-out to 100,000 subscribers adds 100,000 rows).
-- Partial: a fan-out writes pending rows, which this index does not hold, so the write of
-- the outbox does not maintain it; a row enters it once, when it is settled.
CREATE INDEX outbox_finished ON outbox (created_at) WHERE state IN ('sent', 'superseded', 'dead');
