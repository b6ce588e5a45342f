-- The dashboard and the rankings read one dimension of the rollup over a range of days;
-- the primary key starts with the day, so without this index such a read walks every
-- dimension of the range (and the backlog's sum over all history walks the whole table).
CREATE INDEX daily_counts_dim_day ON daily_counts(dim, day);
