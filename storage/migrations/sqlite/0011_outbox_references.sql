-- The outbox's references to subscriptions and transitions are no longer foreign keys.
-- A fan-out writes one outbox row per subscription (100,000 for a popular exchange) in the
-- transaction that stores the transition; PostgreSQL checks a foreign key with a query per
-- row, and its three checks were most of that write: 1.8 s of the server's time for 100,000
-- rows, 0.8 s without them (bench/fanout.py). The references hold without the checks: rows
-- are written only from the subscriptions table itself and the id of the transition stored
-- in the same transaction, and subscriptions and transitions are never deleted (0001, 0002).
-- SQLite cannot drop a constraint, so the outbox is rebuilt with the same columns, checks and
-- indexes; PostgreSQL drops the constraints in place.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL,              -- subscriptions.id
    platform        TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    transition_id   INTEGER,                       -- transitions.id
    exchange        TEXT NOT NULL,
    channel         TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('down', 'degraded', 'recovered', 'flapping',
                        'incident_opened', 'incident_resolved', 'maintenance_started',
                        'maintenance_ended', 'wallet', 'api_maintenance')),
    payload         TEXT NOT NULL,                 -- JSON object
    locale          TEXT NOT NULL,
    created_at      REAL NOT NULL,
    due_at          REAL NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,    -- failed sends so far
    state           TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sending', 'sent', 'superseded', 'dead')),
    claimed_at      REAL,
    sent_at         REAL,
    superseded_by   INTEGER,                       -- transitions.id
    last_error      TEXT
) STRICT;
INSERT INTO outbox_new SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (id, due_at) WHERE state = 'pending';
CREATE INDEX outbox_chat_open ON outbox (platform, chat_id, id)
    WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_channel_pending ON outbox (exchange, channel, kind) WHERE state = 'pending';
CREATE INDEX outbox_sending ON outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX outbox_superseded_by ON outbox (superseded_by, subscription_id)
    WHERE superseded_by IS NOT NULL;
