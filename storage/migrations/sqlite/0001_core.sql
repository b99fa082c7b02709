-- Core tables: channels, raw probe results, hourly rollups, health state, transitions.
-- Times: `at_ms` is unix milliseconds, `hour` the unix second an hour (UTC) starts,
-- every other time column unix seconds (REAL). Datetimes in the Python API are aware UTC.

-- A channel key (`mexc/live_chat`) stored once; the big tables refer to it by a small id,
-- which keeps 2,000 channels x 30 days well under the 500 MB budget.
CREATE TABLE channels (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE
) STRICT;

-- Raw probe results, kept 48 h (storage/retention.py). Never scanned by /status. Lean on
-- purpose (5.76 M rows for 2,000 channels): latency in integer microseconds, and no index
-- on time alone; retention deletes per channel through (channel_id, at_ms).
CREATE TABLE probe_results (
    id         INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES channels (id),
    at_ms      INTEGER NOT NULL,
    ok         INTEGER NOT NULL,               -- 1 reachable, 0 failed
    slow       INTEGER NOT NULL DEFAULT 0,     -- 1 when the probe reported `slow`
    latency_us INTEGER,                     -- NULL when the check gave no latency
    error      TEXT,                           -- probes.result.ErrorKind value
    detail     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX probe_results_channel_at ON probe_results (channel_id, at_ms);

-- One row per channel per hour, kept 400 days. The histogram (storage/histogram.py) and
-- the latency sum cover successful checks only, so timeouts do not pose as latency.
CREATE TABLE rollups (
    channel_id     INTEGER NOT NULL REFERENCES channels (id),
    hour           INTEGER NOT NULL,
    count          INTEGER NOT NULL,
    failures       INTEGER NOT NULL,
    slow           INTEGER NOT NULL,
    latency_sum_ms REAL NOT NULL,
    histogram      BLOB NOT NULL,
    PRIMARY KEY (channel_id, hour)
) STRICT, WITHOUT ROWID;
CREATE INDEX rollups_hour ON rollups (hour);

-- The health state machine's state per channel; its JSON shape belongs to the bot.
CREATE TABLE health_state (
    channel    TEXT PRIMARY KEY,
    state      TEXT NOT NULL,                  -- JSON object
    updated_at REAL NOT NULL
) STRICT;

-- Changes of a channel's health. Outbox rows (0003) refer to these; never pruned.
CREATE TABLE transitions (
    id       INTEGER PRIMARY KEY,
    channel  TEXT NOT NULL,
    exchange TEXT NOT NULL,
    at       REAL NOT NULL,
    old      TEXT NOT NULL,
    new      TEXT NOT NULL,
    reason   TEXT NOT NULL DEFAULT '',
    detail   TEXT NOT NULL DEFAULT '',
    flapping INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX transitions_exchange_at ON transitions (exchange, at);
CREATE INDEX transitions_channel_at ON transitions (channel, at);
CREATE INDEX transitions_at ON transitions (at);
