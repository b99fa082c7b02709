-- Alerts from the exchanges' own status APIs (bot/alerts/feeds.py): two more outbox kinds.
-- 'wallet': deposits or withdrawals of a coin on a network suspended, delayed or reopened, for
-- the chats subscribed to that coin (subscriptions.channel 'wallet:USDT' or 'wallet:USDT:tron').
-- 'api_maintenance': the API says the whole exchange entered or left maintenance.
-- PostgreSQL twin of sqlite/0007_feed_alerts.sql, which rebuilds the table because SQLite
-- cannot change a CHECK constraint; here the constraint is replaced in place.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('down', 'degraded', 'recovered', 'flapping',
        'incident_opened', 'incident_resolved', 'maintenance_started',
        'maintenance_ended', 'wallet', 'api_maintenance'));
