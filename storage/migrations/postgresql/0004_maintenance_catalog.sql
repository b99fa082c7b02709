-- Maintenance windows from the catalog, and down alerts held back by maintenance.
-- PostgreSQL twin of sqlite/0004_maintenance_catalog.sql.

-- `source` keys a window copied from the catalog ('catalog:mexc/live_chat@<start>'), so a
-- restart updates it instead of adding it twice; NULL for windows declared in chat.
-- `reasons` is the reason per locale (JSON object), `reason` the fallback text.
ALTER TABLE maintenance ADD COLUMN source TEXT;
ALTER TABLE maintenance ADD COLUMN reasons TEXT NOT NULL DEFAULT '{}';
CREATE UNIQUE INDEX maintenance_source ON maintenance (source);

-- A channel that went down inside a declared window: its down alert waits here. When no
-- window covers the channel any more and it is still down, the alert goes out; when the
-- channel comes back first, the row is dropped and so is the recovery (nobody heard of it).
CREATE TABLE held_down (
    channel       TEXT PRIMARY KEY,                -- channel key, `mexc/live_chat`
    exchange      TEXT NOT NULL,
    transition_id BIGINT NOT NULL REFERENCES transitions (id),
    at            DOUBLE PRECISION NOT NULL,
    payload       TEXT NOT NULL                    -- JSON object: the down alert's payload
);
