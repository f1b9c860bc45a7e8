-- The steps of one DAG run that failed, with their messages.
select step, campaign_id, error
from audit.runs
where dag_run_id = %(dag_run_id)s and status = 'failed'
order by run_key;
