-- Alerts from the exchanges' own status APIs (bot/alerts/feeds.py): two more outbox kinds.
-- 'wallet': deposits or withdrawals of a coin on a network suspended, delayed or reopened, for
-- the chats subscribed to that coin (subscriptions.channel 'wallet:USDT' or 'wallet:USDT:tron').
-- 'api_maintenance': the API says the whole exchange entered or left maintenance.
-- SQLite cannot change a CHECK constraint, so the outbox is rebuilt with the same columns.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    platform        TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    transition_id   INTEGER REFERENCES transitions (id),
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
    superseded_by   INTEGER REFERENCES transitions (id),
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
