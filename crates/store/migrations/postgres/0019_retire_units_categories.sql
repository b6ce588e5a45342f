-- Administrators disable a unit (no new work goes to it; its history and open cases stay)
-- and retire a category (no longer offered for new requests; history keeps its name).
ALTER TABLE units ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE categories ADD COLUMN retired_at BIGINT;
