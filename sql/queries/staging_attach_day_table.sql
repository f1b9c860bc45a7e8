-- Index, analyse and attach the window's freshly copied staging partition.
select core.attach_day_table('staged_events', %(window_date)s::date);
