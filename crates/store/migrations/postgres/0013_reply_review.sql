-- Replies reviewed before the callback: where a reply under review waits (`sign` for the
-- unit head, `check` for the hub) and the policy document it cites; the default policy
-- gains the review limit (stage `review`, 1 working day for each reviewer).
ALTER TABLE requests ADD COLUMN review_step TEXT;
ALTER TABLE requests ADD COLUMN cites TEXT;

UPDATE policies
   SET limits = '[["review",1,"working_days"],' || substr(limits, 2)
 WHERE match_kind IS NULL AND match_category IS NULL AND match_urgency IS NULL
   AND match_channel IS NULL AND superseded_by IS NULL AND limits NOT LIKE '%"review"%';
