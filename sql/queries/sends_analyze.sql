-- Fresh planner statistics for the send date's partition once a list is published, so the
-- next night's validation plans its joins with the sends for their real volume.
select core.analyze_day_partition('sends', %(send_date)s::date);
