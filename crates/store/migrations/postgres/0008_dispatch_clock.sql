-- The hub's own dispatch clock (stage `dispatch`): policies may match a request's channel,
-- the default policy gains a dispatch limit (2 working hours: web and other channels), and
-- two editable policies set the hotline's 30 working minutes and emergencies' 15 natural
-- minutes (docs/RULES.md gives the source of each number). The emergency policy is created
-- after the hotline one so it wins between the two (equally specific: the newer wins).
ALTER TABLE policies ADD COLUMN match_channel TEXT;

UPDATE policies
   SET limits = '[["dispatch",2,"working_hours"],' || substr(limits, 2)
 WHERE match_kind IS NULL AND match_category IS NULL AND match_urgency IS NULL
   AND superseded_by IS NULL AND limits NOT LIKE '%"dispatch"%';

INSERT INTO policies (name, match_channel, limits, yellow, orange, created_at)
VALUES ('热线派单时限', 'hotline', '[["dispatch",30,"working_minutes"]]', 0.6, 0.85, 0);

INSERT INTO policies (name, match_urgency, limits, yellow, orange, created_at)
VALUES ('紧急诉求派单时限', 'emergency', '[["dispatch",15,"minutes"]]', 0.6, 0.85, 0);
