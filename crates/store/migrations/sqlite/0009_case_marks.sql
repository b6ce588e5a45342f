-- The values the hub's rules read on a request: its first responder (首办责任), when its
-- current unit received it (the return window counts from then), how many times it was
-- dispatched, the complex and important marks, and the failed callback attempts (counted
-- once per local day), the unit whose return awaits the hub's review and the state it
-- returned from, and whether the hub designated the owner. Requests stored before this migration have no first responder or
-- receipt time: their return window is not checked.
ALTER TABLE requests ADD COLUMN first_responder_id BIGINT;
ALTER TABLE requests ADD COLUMN assigned_at BIGINT;
ALTER TABLE requests ADD COLUMN dispatch_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN complex BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN important BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN callback_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN last_callback_attempt_at BIGINT;
ALTER TABLE requests ADD COLUMN returned_by_id BIGINT;
ALTER TABLE requests ADD COLUMN returned_from TEXT;
ALTER TABLE requests ADD COLUMN designated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN repeats BIGINT NOT NULL DEFAULT 0;
