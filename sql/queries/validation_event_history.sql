-- Event row counts of the windows before this one that had events, newest first.
select observed
from audit.validation_results
where
    source = 'events'
    and check_name = 'events_present'
    and window_date < %(window_date)s
    and observed > 0
order by window_date desc
limit %(windows)s;
