-- Load the window's valid rows; arrival_date records which run saw them first.
insert into core.events (
    event_id, send_id, campaign_id, user_id, template_id, event_type, event_ts, value,
    arrival_date, source_file, line_no
)
select
    event_id,
    send_id,
    campaign_id,
    user_id,
    template_id,
    event_type,
    event_ts_parsed,
    value_parsed,
    window_date,
    source_file,
    line_no
from staging.events
where
    window_date = %(window_date)s
    and cardinality(rules) = 0;
