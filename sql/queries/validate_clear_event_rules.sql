-- Forget the window's earlier rule hits (a rerun tags its rows again).
delete from staging.event_rule_hits
where window_date = %(window_date)s;
