-- Upsert the window's valid user rows. The latest window wins: rerunning an older window
-- never overwrites what a later one set. Unsubscribing is kept at its earliest known time.
insert into core.users as app_user (user_id, attributes, unsubscribed_at, updated_window)
select user_id, attributes, unsubscribed_at_parsed, window_date
from staging.users
where
    window_date = %(window_date)s
    and cardinality(rules) = 0
on conflict (user_id) do update set
    attributes = excluded.attributes,
    unsubscribed_at = least(app_user.unsubscribed_at, excluded.unsubscribed_at),
    updated_window = excluded.updated_window
where app_user.updated_window is null or app_user.updated_window <= excluded.updated_window;
