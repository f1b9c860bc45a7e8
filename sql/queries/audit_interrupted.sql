-- Earlier attempts of a step that are still 'running' died without finishing (their lock,
-- now held by the caller, was released when their session ended): record that.
update audit.runs
set
    status = 'failed',
    finished_at = clock_timestamp(),
    error = 'interrupted: the attempt ended without finishing (process killed or connection lost)'
where
    window_date = %(window_date)s
    and step = %(step)s
    and campaign_id is not distinct from %(campaign_id)s
    and status = 'running';
