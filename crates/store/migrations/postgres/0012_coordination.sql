-- Coordination as a process: who convened it (the hub, or the street leading the case) and
-- which participating units have answered; the default policy gains the participants'
-- answer limit (stage `answer`, 2 working days, inside the 3-working-day coordination).
ALTER TABLE requests ADD COLUMN convenor_id BIGINT;
ALTER TABLE requests ADD COLUMN answered TEXT NOT NULL DEFAULT '';

UPDATE policies
   SET limits = '[["answer",2,"working_days"],' || substr(limits, 2)
 WHERE match_kind IS NULL AND match_category IS NULL AND match_urgency IS NULL
   AND match_channel IS NULL AND superseded_by IS NULL AND limits NOT LIKE '%"answer"%';
