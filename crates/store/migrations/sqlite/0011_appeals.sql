-- A unit's appeal against a request's count (核减): the unit, its ground and where it
-- stands. An approved appeal marks the facts the request counted for the unit as exempt
-- (they stay for the record) and takes them out of the rollups in the same transaction.
ALTER TABLE requests ADD COLUMN appeal_unit_id BIGINT;
ALTER TABLE requests ADD COLUMN appeal_ground TEXT;
ALTER TABLE requests ADD COLUMN appeal_state TEXT;
ALTER TABLE facts ADD COLUMN exempt_at BIGINT;
CREATE INDEX facts_request ON facts(request_id, unit_id);
