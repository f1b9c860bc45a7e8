-- Load the window's valid rows (those without a rule hit); arrival_date records which run
-- saw them first. {target} is core.events, or on a window's first load its day's partition
-- before it is indexed and attached (core.create_day_table).
insert into {target} (
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
from staging.events as s
where
    s.window_date = %(window_date)s
    and not exists (
        select 1
        from staging.event_rule_hits as hit
        where
            hit.window_date = s.window_date
            and hit.source_file = s.source_file
            and hit.line_no = s.line_no
    );
