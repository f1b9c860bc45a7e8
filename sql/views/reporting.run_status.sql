-- Every recorded nightly step, newest first: what ran for which window, and how it ended.
create or replace view reporting.run_status as
select
    run_key,
    dag_run_id,
    window_date,
    campaign_id,
    step,
    try_number,
    status,
    started_at,
    finished_at,
    finished_at - started_at as duration,
    details,
    error
from audit.runs;
