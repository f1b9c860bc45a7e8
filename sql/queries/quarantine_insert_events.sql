-- Quarantine the window's rows that broke a rule (quarantine_delete_events runs first).
insert into quarantine.events (
    window_date, source_file, line_no, rules,
    event_id, send_id, campaign_id, user_id, template_id, event_type, event_ts, value,
    parse_error, raw_line
)
select
    s.window_date, s.source_file, s.line_no, hit.rules,
    s.event_id, s.send_id, s.campaign_id, s.user_id, s.template_id, s.event_type, s.event_ts,
    s.value, s.parse_error, s.raw_line
from staging.event_rule_hits as hit
inner join staging.events as s
    on hit.window_date = s.window_date
    and hit.source_file = s.source_file
    and hit.line_no = s.line_no
where hit.window_date = %(window_date)s;
