delete from core.events
where arrival_date = %(window_date)s;
