-- Leaders' instructions (领导批示). The request row keeps each instruction's unit and state
-- for the rules ("unit:state", in the order given); this table keeps the record a leader's
-- and a unit's lists read: the words, the deadline, the acknowledgement and the report.
ALTER TABLE requests ADD COLUMN instructions TEXT NOT NULL DEFAULT '';

CREATE TABLE instructions (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests(id),
    number INTEGER NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    leader_id BIGINT REFERENCES users(id),
    text TEXT NOT NULL,
    working_days INTEGER,
    deadline_at BIGINT,
    given_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by BIGINT REFERENCES users(id),
    report TEXT,
    reported_at BIGINT,
    reported_by BIGINT REFERENCES users(id),
    UNIQUE (request_id, number)
);
CREATE INDEX instructions_leader ON instructions(leader_id, given_at);
CREATE INDEX instructions_unit ON instructions(unit_id, reported_at, given_at);
CREATE INDEX instructions_open ON instructions(reported_at, given_at);
