-- Index, analyse and attach the window's freshly loaded event partition.
select core.attach_day_table('events', %(window_date)s::date);
