-- What traders waited for support (`/report`), and the install's own secrets.

-- Per-install secrets, made once by this migration. `reporter_key` keys the hash that
-- stands for a person (platform and user id) in `wait_reports`: without it, nobody can
-- turn a stored hash back into an account by hashing guessed ids.
CREATE TABLE install_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
INSERT INTO install_secrets (name, value) VALUES ('reporter_key', randomblob(32));

-- One row per report, kept 30 days (storage/retention.py). Every report stays a row, so
-- the per-person rate limit counts repeats too; a report replacing the same person's
-- earlier one on a channel is resolved when reading (bot/reports/tally.py).
CREATE TABLE wait_reports (
    id       INTEGER PRIMARY KEY,
    person   TEXT NOT NULL,                    -- keyed hash of (platform, user id); never raw
    exchange TEXT NOT NULL,
    channel  TEXT NOT NULL,                    -- channel id within the exchange: `live_chat`
    at       REAL NOT NULL,
    wait_min INTEGER CHECK (wait_min BETWEEN 0 AND 1440)  -- NULL: nobody answered
) STRICT;
CREATE INDEX wait_reports_exchange_at ON wait_reports (exchange, at);
CREATE INDEX wait_reports_person_at ON wait_reports (person, at);
CREATE INDEX wait_reports_at ON wait_reports (at);
