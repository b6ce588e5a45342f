-- Clocks by deadline, for counting the clocks still overdue at the end of a period (the
-- on-time rates count them as late) and listing the cases behind that count.
CREATE INDEX clocks_deadline ON clocks(deadline_at);
