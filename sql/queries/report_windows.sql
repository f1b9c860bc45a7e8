-- The latest seven nightly windows: how each run ended and what its data looked like. The
-- window filter reaches into the view, so only these windows' rows are counted.
select
    window_date, status, failed_steps, first_error, events_received, events_loaded,
    events_quarantined, quarantined_by_rule, gates_failed, running_steps
from reporting.window_outcomes
where window_date > (select max(window_date) from audit.runs) - 7
order by window_date desc;
