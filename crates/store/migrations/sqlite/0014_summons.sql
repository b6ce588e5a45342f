-- A street's summons (吹哨报到): the departments summoned to the site, those that reported
-- and those whose response the street rated; the default policy gains the report limit
-- (stage `report`, 30 natural minutes).
ALTER TABLE requests ADD COLUMN summoned TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN reported TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN rated_units TEXT NOT NULL DEFAULT '';

UPDATE policies
   SET limits = '[["report",30,"minutes"],' || substr(limits, 2)
 WHERE match_kind IS NULL AND match_category IS NULL AND match_urgency IS NULL
   AND match_channel IS NULL AND superseded_by IS NULL AND limits NOT LIKE '%"report"%';
