-- Telegram updates taken in through the webhook, claimed by (bot, update_id) before they are
-- handled, so an update delivered twice (Telegram retries, or a second replica got it too) is
-- answered once. Rows older than a day are pruned by the retention task. Same table as
-- SQLite's 0009 (INTEGER -> BIGINT, REAL -> DOUBLE PRECISION).
CREATE TABLE telegram_updates (
    bot_id BIGINT NOT NULL,
    update_id BIGINT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (bot_id, update_id)
);
CREATE INDEX telegram_updates_received_at ON telegram_updates (received_at);
