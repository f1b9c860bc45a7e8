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
)

-- the counts are looked up per window (each table is indexed by it), so a query for the
-- latest windows reads only those. What arrived is what the window's latest successful
-- extract staged, from its audit details: staging keeps only the last windows, and this view
-- does not read it (analysts' queries then never hold a lock that extract's drop of an old
-- staging partition would wait for).
select
    run_summary.window_date,
    run_summary.dag_run_id,
    run_summary.status,
    run_summary.failed_steps,
    run_summary.first_error,
    run_summary.campaigns_published,
    coalesce((latest.extracted -> 'events' ->> 'rows')::bigint, 0) as events_received,
    loaded.events_loaded,
    quarantined.events_quarantined,
    quarantined.quarantined_by_rule,
    users.user_rows_received,
    users.user_rows_quarantined,
    gates.checks_failed,
    gates.gates_failed,
    run_summary.running_steps
from run_summary
cross join lateral (
    -- the details of the window's latest successful extract and validation, one lookup
    select
        (array_agg(details order by finished_at desc, run_key desc)
            filter (where step = 'extract'))[1] as extracted,
        (array_agg(details order by finished_at desc, run_key desc)
            filter (where step = 'validate'))[1] as validated
    from audit.runs
    where
        window_date = run_summary.window_date
        and step in ('extract', 'validate')
        and status = 'success'
) as latest
cross join lateral (
    -- what the window's latest successful validation loaded (a failed gate loads nothing and
    -- leaves what an earlier attempt loaded, and a rerun replaces the window's events);
    -- counted in the window's partition only for a window validated before the details held
    -- the count. Counting every shown window's partition read up to 14,000,000 rows for the
    -- report's last seven windows at full size.
    select coalesce(
        (latest.validated -> 'events' ->> 'loaded')::bigint,
        (
            select count(*)
            from core.events
            where arrival_date = run_summary.window_date
        )
    ) as events_loaded
) as loaded
cross join lateral (
    select
        count(*) as events_quarantined,
        coalesce(
            (
                select jsonb_object_agg(rule, rows)
                from (
                    select rule, count(*) as rows
                    from quarantine.events as quarantined_row
                    cross join lateral unnest(quarantined_row.rules) as rule (rule)
                    where quarantined_row.window_date = run_summary.window_date
                    group by rule
                ) as by_rule
            ),
            '{}'::jsonb
        ) as quarantined_by_rule
    from quarantine.events
    where window_date = run_summary.window_date
) as quarantined
cross join lateral (
    select
        coalesce((latest.extracted -> 'users' ->> 'rows')::bigint, 0) as user_rows_received,
        (select count(*) from quarantine.users where window_date = run_summary.window_date)
            as user_rows_quarantined
) as users
cross join lateral (
    select
        count(*) filter (where not success) as checks_failed,
        coalesce(
            array_agg(source || '.' || check_name order by source, check_name) filter (
                where kind = 'table' and not success
            ),
            '{}'
        ) as gates_failed
    from audit.validation_results
    where window_date = run_summary.window_date
) as gates;
