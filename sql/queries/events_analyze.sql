-- Fresh planner statistics for the window's events once loaded, for the steps that follow.
select core.analyze_day_partition('events', %(window_date)s::date);
