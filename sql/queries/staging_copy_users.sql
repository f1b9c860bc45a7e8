copy {target} (
    window_date, source_file, line_no,
    user_id, email, phone, unsubscribed_at, unsubscribed_at_parsed, attributes,
    parse_error, raw_line
) from stdin
