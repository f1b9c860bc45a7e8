-- The send dates whose outcomes may have changed since the night of %(since)s: those of the
-- sends that events arriving from then to %(as_of)s answer (late ones included), every date
-- whose attribution window closed meanwhile, and the newly published date. With %(full)s,
-- every send date of the campaign.
--
-- A loaded event happened within its send's attribution window (validation quarantines the
-- others), so its send date is one of the attribution_days dates up to the event's own:
-- found from the events alone, without joining the history of sends. Unsubscribes, which
-- validation lets through at any time, are looked up.
select answered.day - back.days
from (
    select distinct (event.event_ts at time zone 'UTC')::date as day
    from core.events as event
    where
        event.campaign_id = %(campaign_id)s
        and event.arrival_date between %(since)s and %(as_of)s
        and event.event_type <> 'unsubscribe'
        and not %(full)s
) as answered
cross join generate_series(0, %(attribution_days)s::integer - 1) as back (days)
union
select send.send_date
from core.events as event
inner join core.sends as send
    on event.send_id = send.send_id
where
    event.campaign_id = %(campaign_id)s
    and event.arrival_date between %(since)s and %(as_of)s
    and event.event_type = 'unsubscribe'
    and not %(full)s
union
select day::date
from generate_series(
    %(since)s::date + 1 - %(attribution_days)s::integer, %(as_of)s::date + 1, interval '1 day'
) as day
where not %(full)s
union
select distinct send_date
from core.sends
where campaign_id = %(campaign_id)s and %(full)s;
