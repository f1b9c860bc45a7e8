-- Fresh planner statistics for the window's staged rows, so the validation joins are planned
-- for the day's real volume (a bulk load leaves none until autovacuum runs).
select core.analyze_day_partition('staged_events', %(window_date)s::date);
