-- The window's event partition as an unattached, unindexed table to load into, or null when
-- the window's partition exists (a rerun replaces its rows in place).
select core.create_day_table('events', %(window_date)s::date);
