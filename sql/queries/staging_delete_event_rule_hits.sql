-- Staging a window again forgets the rule hits of its replaced rows.
delete from staging.event_rule_hits
where window_date = %(window_date)s;
