update audit.runs
set
    status = %(status)s,
    finished_at = clock_timestamp(),
    details = %(details)s,
    error = %(error)s
where run_key = %(run_key)s;
