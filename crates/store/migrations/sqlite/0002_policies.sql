-- Deadline policies: matched by kind, category and urgency; a limit per stage; band
-- thresholds. Rows are never edited: a change is a new row, and the old one is marked
-- superseded, so every clock can name the policy version it ran under.
CREATE TABLE policies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    match_kind TEXT,
    match_category BIGINT REFERENCES categories(id),
    match_urgency TEXT,
    limits TEXT NOT NULL,
    yellow DOUBLE PRECISION NOT NULL,
    orange DOUBLE PRECISION NOT NULL,
    superseded_by BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX policies_active ON policies(superseded_by);

-- The default policy matches every request, so there is always one.
INSERT INTO policies (name, limits, yellow, orange, created_at) VALUES (
    '默认时限',
    '[["accept",2,"working_hours"],["respond",1,"working_days"],["resolve",5,"working_days"],["callback",1,"working_days"]]',
    0.6, 0.85, 0
);
