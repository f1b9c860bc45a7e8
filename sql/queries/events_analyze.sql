-- Fresh planner statistics for the window's events once loaded, for the steps that follow.
select core.analyze_events_partition(%(window_date)s::date);
