delete from staging.events
where window_date = %(window_date)s;
