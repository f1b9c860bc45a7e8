-- Index, analyse and attach the window's freshly loaded day partition of %(parent)s.
select core.attach_day_table(%(parent)s, %(window_date)s::date);
