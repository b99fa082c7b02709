-- Whether the probes can see (bot/blind.py): one row, written when that changes, so a
-- `supportlive ask` beside the running bot says "we can't check from here" too.
CREATE TABLE sight (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    blind_since REAL,                              -- NULL while the probes can see
    updated_at  REAL NOT NULL
) STRICT;
