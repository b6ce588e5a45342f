-- Deadline clocks, the supervision ladder's records, appraisal facts and the calendar's
-- added official days. Times are epoch milliseconds.

-- One row per clock of one stage of one request. `next_due_at` is the instant the sweeper
-- must next look at the clock (NULL when stopped, paused or at the top of the ladder); the
-- sweeper reads it through the partial index, never by scanning open requests.
CREATE TABLE clocks (
    id INTEGER PRIMARY KEY,
    district_id BIGINT NOT NULL DEFAULT 1,
    request_id BIGINT NOT NULL REFERENCES requests(id),
    stage TEXT NOT NULL,
    unit_id BIGINT REFERENCES units(id),
    policy_id BIGINT NOT NULL,
    calendar TEXT NOT NULL,
    limit_amount BIGINT NOT NULL,
    limit_unit TEXT NOT NULL,
    redo BIGINT NOT NULL DEFAULT 0,
    started_at BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    yellow_at BIGINT NOT NULL,
    orange_at BIGINT NOT NULL,
    accountable_at BIGINT NOT NULL,
    paused_at BIGINT,
    stopped_at BIGINT,
    outcome TEXT,
    step TEXT NOT NULL DEFAULT 'none',
    next_due_at BIGINT
);
CREATE INDEX clocks_due ON clocks(next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX clocks_request ON clocks(request_id);
CREATE INDEX clocks_running_deadline ON clocks(deadline_at) WHERE stopped_at IS NULL;

-- Reminders, urging notices and accountability records, addressed to units.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    district_id BIGINT NOT NULL DEFAULT 1,
    request_id BIGINT NOT NULL REFERENCES requests(id),
    kind TEXT NOT NULL,
    unit_id BIGINT REFERENCES units(id),
    stage TEXT,
    at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    by_user BIGINT,
    text TEXT
);
CREATE INDEX notices_unit ON notices(unit_id, at);
CREATE INDEX notices_kind ON notices(kind, at);
CREATE INDEX notices_request ON notices(request_id);

-- The supervision pool: one row per request that has ever been supervised; open while
-- `closed_at` is NULL.
CREATE TABLE supervision (
    request_id BIGINT PRIMARY KEY REFERENCES requests(id),
    district_id BIGINT NOT NULL DEFAULT 1,
    owner_id BIGINT REFERENCES users(id),
    stage TEXT,
    unit_id BIGINT REFERENCES units(id),
    reason TEXT,
    since BIGINT NOT NULL,
    closed_at BIGINT,
    times BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX supervision_open ON supervision(closed_at, since);

-- Closed cases drawn for a supervisor's quality callback.
CREATE TABLE samples (
    request_id BIGINT PRIMARY KEY REFERENCES requests(id),
    district_id BIGINT NOT NULL DEFAULT 1,
    drawn_at BIGINT NOT NULL,
    done_at BIGINT,
    done_by BIGINT,
    rating TEXT,
    citizen_resolved BIGINT,
    note TEXT
);
CREATE INDEX samples_pending ON samples(done_at, drawn_at);

-- Counted facts about units (on-time acceptance, returns, ratings …), one row each, so
-- every rate can be drilled down to the cases behind it. The rates themselves are read
-- from the `daily_counts` rollup (dim 'appraisal'), written in the same transaction.
CREATE TABLE facts (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    metric TEXT NOT NULL,
    at BIGINT NOT NULL,
    request_id BIGINT NOT NULL REFERENCES requests(id)
);
CREATE INDEX facts_unit_metric ON facts(unit_id, metric, at);

-- Official days added after the release (next year's State Council notice).
CREATE TABLE official_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

ALTER TABLE policies ADD COLUMN accountable_days BIGINT NOT NULL DEFAULT 3;
