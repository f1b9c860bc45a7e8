delete from quarantine.users
where window_date = %(window_date)s;
