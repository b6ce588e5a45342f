-- The spine: organisation, accounts, categories, routing, requests and their events.
-- Times are epoch milliseconds (BIGINT) on both backends; booleans are 0/1 integers.
CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES units(id),
    lines TEXT NOT NULL DEFAULT '',
    geometry TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_kind ON units(kind);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    created_at BIGINT NOT NULL
);

CREATE TABLE grants (
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    lines TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, role, unit_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES categories(id),
    line TEXT
);

CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES categories(id),
    area_id BIGINT REFERENCES units(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    basis TEXT NOT NULL
);

CREATE TABLE cancel_reasons (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL
);

CREATE TABLE intakes (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    received_by BIGINT,
    raw TEXT NOT NULL,
    -- The serial of the first request this intake produced (one call may produce several).
    first_serial TEXT
);

CREATE TABLE serial_days (
    day TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    district_id BIGINT NOT NULL DEFAULT 1,
    serial TEXT NOT NULL UNIQUE,
    verify_code TEXT NOT NULL,
    intake_id BIGINT REFERENCES intakes(id),
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    urgency TEXT NOT NULL,
    category_id BIGINT REFERENCES categories(id),
    line TEXT,
    content TEXT NOT NULL,
    address TEXT,
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION,
    caller_name TEXT,
    caller_phone TEXT,
    area_id BIGINT REFERENCES units(id),
    intake_unit_id BIGINT REFERENCES units(id),
    created_by BIGINT REFERENCES users(id),
    state TEXT NOT NULL,
    lead_unit_id BIGINT REFERENCES units(id),
    assisting TEXT NOT NULL DEFAULT '',
    coordination TEXT NOT NULL DEFAULT '',
    pending_extension BIGINT,
    extension_days BIGINT NOT NULL DEFAULT 0,
    suspended_from TEXT,
    parent_id BIGINT REFERENCES requests(id),
    outcome TEXT,
    reply TEXT,
    proper_owner TEXT,
    rating TEXT,
    citizen_resolved BIGINT,
    demand BIGINT NOT NULL DEFAULT 1,
    redo_count BIGINT NOT NULL DEFAULT 0,
    return_count BIGINT NOT NULL DEFAULT 0,
    event_count BIGINT NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Lists are newest first, ordered by (created_at, id): each index ends in that order so a
-- page is read straight off the index instead of sorting the matches.
CREATE INDEX requests_state_created ON requests(state, created_at, id);
CREATE INDEX requests_lead_created ON requests(lead_unit_id, created_at, id);
CREATE INDEX requests_category_created ON requests(category_id, created_at, id);
CREATE INDEX requests_created ON requests(created_at, id);
CREATE INDEX requests_parent ON requests(parent_id);
CREATE INDEX requests_phone ON requests(caller_phone);

CREATE TABLE request_units (
    request_id BIGINT NOT NULL REFERENCES requests(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    role TEXT NOT NULL,
    PRIMARY KEY (request_id, unit_id, role)
);
CREATE INDEX request_units_unit ON request_units(unit_id, role);

CREATE TABLE events (
    request_id BIGINT NOT NULL REFERENCES requests(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor_user BIGINT,
    actor_unit BIGINT,
    from_state TEXT,
    to_state TEXT NOT NULL,
    reason TEXT,
    detail TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (request_id, seq)
);
CREATE INDEX events_at ON events(at);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests(id),
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_request ON attachments(request_id);

CREATE TABLE daily_counts (
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    key BIGINT NOT NULL,
    metric TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, dim, key, metric)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
