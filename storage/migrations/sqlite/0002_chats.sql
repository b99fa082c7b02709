-- Chats: alert subscriptions, user preferences, declared maintenance windows.
-- `channel` is '*' for "every channel of the exchange": SQLite treats NULLs as distinct in
-- UNIQUE constraints, so NULL would let one chat subscribe to an exchange twice.
-- Chat and user ids are TEXT: Telegram ids are signed, Discord ids are 64-bit snowflakes.

-- Never deleted (outbox rows refer to them): unsubscribing or a permanent send error
-- sets active = 0 with a reason; subscribing again reactivates the same row.
CREATE TABLE subscriptions (
    id                 INTEGER PRIMARY KEY,
    platform           TEXT NOT NULL,
    chat_id            TEXT NOT NULL,
    exchange           TEXT NOT NULL,
    channel            TEXT NOT NULL DEFAULT '*',
    locale             TEXT NOT NULL,
    include_degraded   INTEGER NOT NULL DEFAULT 0,
    active             INTEGER NOT NULL DEFAULT 1,
    created_at         REAL NOT NULL,
    deactivated_at     REAL,
    deactivated_reason TEXT,
    UNIQUE (platform, chat_id, exchange, channel)
) STRICT;
-- Fan-out of a transition: the active subscriptions of one exchange.
CREATE INDEX subscriptions_fanout ON subscriptions (exchange, channel) WHERE active = 1;

CREATE TABLE preferences (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    locale     TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (platform, user_id)
) STRICT;

-- Declared maintenance; `channel` '*' covers the whole exchange, NULL `ends_at` is open.
CREATE TABLE maintenance (
    id         INTEGER PRIMARY KEY,
    exchange   TEXT NOT NULL,
    channel    TEXT NOT NULL DEFAULT '*',
    starts_at  REAL NOT NULL,
    ends_at    REAL,
    reason     TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
) STRICT;
CREATE INDEX maintenance_ends_at ON maintenance (ends_at);
