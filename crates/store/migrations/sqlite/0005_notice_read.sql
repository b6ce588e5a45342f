-- A unit acknowledges the reminders, urgings and accountability records addressed to it.
ALTER TABLE notices ADD COLUMN read_at BIGINT;
ALTER TABLE notices ADD COLUMN read_by BIGINT;
CREATE INDEX notices_unread ON notices(unit_id, read_at);
