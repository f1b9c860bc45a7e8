-- The window's staging partition as an unattached, unindexed table to copy into, or null when
-- the window's partition exists (a rerun replaces its rows in place).
select core.create_day_table('staged_events', %(window_date)s::date);
