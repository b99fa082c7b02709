-- The outbox's references to subscriptions and transitions are no longer foreign keys.
-- PostgreSQL twin of sqlite/0011_outbox_references.sql, which says why and rebuilds the table
-- (SQLite cannot drop a constraint); here the constraints are dropped in place.
ALTER TABLE outbox
    DROP CONSTRAINT outbox_subscription_id_fkey,
    DROP CONSTRAINT outbox_transition_id_fkey,
    DROP CONSTRAINT outbox_superseded_by_fkey;
