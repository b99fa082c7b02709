-- Probes from several places (bot/regions.py, storage/regions.py).
-- `region` on a raw result: the PROBE_REGION of the process that made the check (NULL on
-- rows written before this migration, when there was one region). Rollups stay one count
-- per check: only the process running the monitor writes them, probe nodes never do.
ALTER TABLE probe_results ADD COLUMN region TEXT;

-- Each region's latest check of each channel and the health its own state machine decided
-- after it: one row per (channel, region), upserted by probe nodes, read by the monitor
-- (recent rows only, through the index on `at`) to decide with every region.
CREATE TABLE region_sightings (
    channel TEXT NOT NULL,                     -- channel key, `mexc/live_chat`
    region  TEXT NOT NULL,
    at      DOUBLE PRECISION NOT NULL,         -- unix seconds the check started
    ok      BIGINT NOT NULL,                   -- 1 passed, 0 failed
    health  TEXT NOT NULL,                     -- up, degraded, down, unknown (blind or new)
    error   TEXT,                              -- probes.result.ErrorKind value
    detail  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel, region)
);
CREATE INDEX region_sightings_at ON region_sightings (at);
