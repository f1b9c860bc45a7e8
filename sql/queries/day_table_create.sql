-- The window's day partition of %(parent)s (events, or staged_events for extract) as an
-- unattached, unindexed table to load into, or null when the window's partition exists (a
-- rerun replaces its rows in place).
select core.create_day_table(%(parent)s, %(window_date)s::date);
