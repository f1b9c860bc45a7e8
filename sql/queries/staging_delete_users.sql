delete from staging.users
where window_date = %(window_date)s;
