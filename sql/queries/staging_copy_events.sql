copy {target} (
    window_date, source_file, line_no,
    event_id, send_id, campaign_id, user_id, template_id, event_type, event_ts, value,
    event_ts_parsed, value_parsed, parse_error, raw_line
) from stdin
