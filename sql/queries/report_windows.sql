-- The latest nightly windows: how each run ended and what its data looked like.
select
    window_date, status, failed_steps, first_error, events_received, events_loaded,
    events_quarantined, quarantined_by_rule, gates_failed, running_steps
from reporting.window_outcomes
order by window_date desc
limit 7;
