-- Users who unsubscribed in the window's events are not eligible from then on.
with unsubscribed as (
    select
        user_id,
        min(event_ts) as unsubscribed_at
    from core.events
    where
        arrival_date = %(window_date)s
        and event_type = 'unsubscribe'
    group by user_id
)

update core.users as u
set unsubscribed_at = unsubscribed.unsubscribed_at
from unsubscribed
where
    u.user_id = unsubscribed.user_id
    and (u.unsubscribed_at is null or u.unsubscribed_at > unsubscribed.unsubscribed_at);
