-- What a quality callback found besides the rating: whether its verdict reopened the case
-- as a redo against the unit, and whether the citizen said the recorded callback never
-- took place (an accountability record against whoever recorded it).
ALTER TABLE samples ADD COLUMN reopened BIGINT NOT NULL DEFAULT 0;
ALTER TABLE samples ADD COLUMN falsified BIGINT NOT NULL DEFAULT 0;
