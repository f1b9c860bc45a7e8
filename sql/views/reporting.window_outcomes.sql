-- One row per nightly window: what arrived, what loaded, what was quarantined and why, which
-- gates failed, and how the window's latest run ended. status is that of the latest run of
-- the window (by start time): 'failed' if any of its steps failed, 'running' if one is still
-- running (running_steps names them), else 'success'.
create or replace view reporting.window_outcomes as
with runs as (
    select
        window_date,
        dag_run_id,
        campaign_id,
        step,
        status,
        started_at,
        error,
        max(started_at) over (partition by window_date, dag_run_id) as run_started_at,
        row_number() over (
            partition by window_date, dag_run_id, step, campaign_id order by started_at desc
        ) as attempt_rank
    from audit.runs
),

latest_run as (
    select distinct on (window_date) window_date, dag_run_id
    from runs
    order by window_date, run_started_at desc
),

steps as (
    -- the last attempt of every step of the latest run
    select runs.*
    from runs
    inner join latest_run
        on runs.window_date = latest_run.window_date
        and runs.dag_run_id = latest_run.dag_run_id
    where runs.attempt_rank = 1
),

run_summary as (
    select
        window_date,
        max(dag_run_id) as dag_run_id,
        case
            when bool_or(status = 'failed') then 'failed'
            when bool_or(status = 'running') then 'running'
            else 'success'
        end as status,
        coalesce(
            array_agg(distinct step order by step) filter (where status = 'failed'), '{}'
        ) as failed_steps,
        (array_agg(error order by started_at) filter (where status = 'failed'))[1]
            as first_error,
        count(distinct campaign_id) filter (where step = 'publish' and status = 'success')
            as campaigns_published,
        coalesce(
            array_agg(distinct step order by step) filter (where status = 'running'), '{}'
        ) as running_steps
    from steps
    group by window_date
),

staged as (
    select window_date, count(*) as events_received
    from staging.events
    group by window_date
),

loaded as (
    select arrival_date as window_date, count(*) as events_loaded
    from core.events
    group by arrival_date
),

rules as (
    select window_date, rule, count(*) as rows
    from quarantine.events
    cross join lateral unnest(rules) as rule (rule)
    group by window_date, rule
),

quarantined as (
    select window_date, count(*) as events_quarantined
    from quarantine.events
    group by window_date
),

by_rule as (
    select window_date, jsonb_object_agg(rule, rows) as quarantined_by_rule
    from rules
    group by window_date
),

users_staged as (
    select window_date, count(*) as user_rows_received
    from staging.users
    group by window_date
),

users_quarantined as (
    select window_date, count(*) as user_rows_quarantined
    from quarantine.users
    group by window_date
),

gates as (
    select
        window_date,
        count(*) filter (where not success) as checks_failed,
        coalesce(
            array_agg(source || '.' || check_name order by source, check_name) filter (
                where kind = 'table' and not success
            ),
            '{}'
        ) as gates_failed
    from audit.validation_results
    group by window_date
)

select
    run_summary.window_date,
    run_summary.dag_run_id,
    run_summary.status,
    run_summary.failed_steps,
    run_summary.first_error,
    run_summary.campaigns_published,
    coalesce(staged.events_received, 0) as events_received,
    coalesce(loaded.events_loaded, 0) as events_loaded,
    coalesce(quarantined.events_quarantined, 0) as events_quarantined,
    coalesce(by_rule.quarantined_by_rule, '{}'::jsonb) as quarantined_by_rule,
    coalesce(users_staged.user_rows_received, 0) as user_rows_received,
    coalesce(users_quarantined.user_rows_quarantined, 0) as user_rows_quarantined,
    coalesce(gates.checks_failed, 0) as checks_failed,
    coalesce(gates.gates_failed, '{}') as gates_failed,
    run_summary.running_steps
from run_summary
left join staged
    on run_summary.window_date = staged.window_date
left join loaded
    on run_summary.window_date = loaded.window_date
left join quarantined
    on run_summary.window_date = quarantined.window_date
left join by_rule
    on run_summary.window_date = by_rule.window_date
left join users_staged
    on run_summary.window_date = users_staged.window_date
left join users_quarantined
    on run_summary.window_date = users_quarantined.window_date
left join gates
    on run_summary.window_date = gates.window_date;
