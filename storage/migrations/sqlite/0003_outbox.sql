-- Alerts waiting to be sent: one row per (alert, subscription), written in the transaction
-- that stores the transition, so a crash loses none (storage/outbox.py, bot/alerts/).
-- `channel` is the catalog channel id ('' for an alert about the whole exchange); the payload
-- holds ids and figures only, the text is rendered at send time from the catalog.
-- States: pending (due at due_at) -> sending (claimed) -> sent | superseded | dead.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    platform        TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    transition_id   INTEGER REFERENCES transitions (id),
    exchange        TEXT NOT NULL,
    channel         TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('down', 'degraded', 'recovered', 'flapping',
                        'incident_opened', 'incident_resolved', 'maintenance_started',
                        'maintenance_ended')),
    payload         TEXT NOT NULL,                 -- JSON object
    locale          TEXT NOT NULL,
    created_at      REAL NOT NULL,
    due_at          REAL NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,    -- failed sends so far
    state           TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sending', 'sent', 'superseded', 'dead')),
    claimed_at      REAL,
    sent_at         REAL,
    superseded_by   INTEGER REFERENCES transitions (id),
    last_error      TEXT
) STRICT;
-- The drainer's scan: due rows, oldest first.
CREATE INDEX outbox_pending ON outbox (id, due_at) WHERE state = 'pending';
-- Per-chat order: is an earlier row of this chat still unfinished?
CREATE INDEX outbox_chat_open ON outbox (platform, chat_id, id)
    WHERE state IN ('pending', 'sending');
-- Supersede: pending alerts of one channel.
CREATE INDEX outbox_channel_pending ON outbox (exchange, channel, kind) WHERE state = 'pending';
-- Rows a crash left in `sending`.
CREATE INDEX outbox_sending ON outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX outbox_superseded_by ON outbox (superseded_by, subscription_id)
    WHERE superseded_by IS NOT NULL;

-- Which edges of a declared maintenance window were announced (started / ended).
CREATE TABLE maintenance_alerts (
    maintenance_id INTEGER NOT NULL REFERENCES maintenance (id),
    edge           TEXT NOT NULL CHECK (edge IN ('started', 'ended')),
    at             REAL NOT NULL,
    PRIMARY KEY (maintenance_id, edge)
) STRICT;

-- Incidents seen open on an exchange's status page, to announce each opening and resolution
-- once (and say how long it lasted).
CREATE TABLE upstream_incidents (
    id          INTEGER PRIMARY KEY,
    exchange    TEXT NOT NULL,
    name        TEXT NOT NULL,
    impact      TEXT NOT NULL DEFAULT '',
    opened_at   REAL NOT NULL,
    resolved_at REAL
) STRICT;
CREATE INDEX upstream_incidents_open ON upstream_incidents (exchange) WHERE resolved_at IS NULL;
