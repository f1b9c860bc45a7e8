insert into audit.runs (
    dag_run_id, window_date, campaign_id, step, try_number, status, started_at
)
values (
    %(dag_run_id)s, %(window_date)s, %(campaign_id)s, %(step)s, %(try_number)s, 'running',
    clock_timestamp()
)
returning run_key;
