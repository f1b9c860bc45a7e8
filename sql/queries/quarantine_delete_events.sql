delete from quarantine.events
where window_date = %(window_date)s;
