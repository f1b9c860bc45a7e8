-- Quarantine the window's user rows that broke a rule (quarantine_delete_users runs first).
insert into quarantine.users (
    window_date, source_file, line_no, rules,
    user_id, email, phone, unsubscribed_at, attributes, parse_error, raw_line
)
select
    window_date, source_file, line_no, rules,
    user_id, email, phone, unsubscribed_at, attributes, parse_error, raw_line
from staging.users
where
    window_date = %(window_date)s
    and cardinality(rules) > 0;
