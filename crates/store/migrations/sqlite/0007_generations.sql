-- A change counter per group of tables that server instances keep in memory. A write to
-- such a table bumps its counter in the same transaction; every instance compares the
-- counters with the ones it loaded before it answers a request, so a change made through
-- one instance holds on every other at once.
CREATE TABLE generations (
    name TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO generations (name, n) VALUES ('reference', 0), ('sessions', 0);
