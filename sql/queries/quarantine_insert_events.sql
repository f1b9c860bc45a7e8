-- Quarantine the window's rows that broke a rule (quarantine_delete_events runs first).
insert into quarantine.events (
    window_date, source_file, line_no, rules,
    event_id, send_id, campaign_id, user_id, template_id, event_type, event_ts, value,
    parse_error, raw_line
)
select
    window_date, source_file, line_no, rules,
    event_id, send_id, campaign_id, user_id, template_id, event_type, event_ts, value,
    parse_error, raw_line
from staging.events
where
    window_date = %(window_date)s
    and cardinality(rules) > 0;
