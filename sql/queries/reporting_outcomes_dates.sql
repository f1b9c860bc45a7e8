-- The send dates whose outcomes may have changed since the night of %(since)s, when the
-- campaign had learned up to %(learned_before)s; it has now learned up to %(learned_as_of)s:
-- - those of the sends answered by events loaded since (arrived after %(since)s) or counted
--   since (arrived after %(learned_before)s: a reward counts once the campaign has learned
--   from its night), late ones included;
-- - the dates that matured between the two learned nights;
-- - the dates whose lists were published since, up to the next send date.
-- With %(full)s, every send date of the campaign.
--
-- A loaded event happened within its send's attribution window (validation quarantines the
-- others), so its send date is one of the attribution_days dates up to the event's own:
-- found from the events alone, without joining the history of sends. Unsubscribes, which
-- validation lets through at any time, are looked up.
with answering as not materialized (
    select event.event_type, event.event_ts, event.send_id
    from core.events as event
    where
        event.campaign_id = %(campaign_id)s
        and event.arrival_date > least(%(since)s::date, %(learned_before)s::date)
        and event.arrival_date <= %(as_of)s
        and not %(full)s
)

select answered.day - back.days
from (
    select distinct (answering.event_ts at time zone 'UTC')::date as day
    from answering
    where answering.event_type <> 'unsubscribe'
) as answered
cross join generate_series(0, %(attribution_days)s::integer - 1) as back (days)
union
select send.send_date
from answering
inner join core.sends as send
    on answering.send_id = send.send_id
where answering.event_type = 'unsubscribe'
union
-- a date matures once the campaign has learned from the last night of its window
select day::date
from generate_series(
    least(%(learned_before)s::date, %(learned_as_of)s::date)
    - %(attribution_days)s::integer + 2,
    greatest(%(learned_before)s::date, %(learned_as_of)s::date)
    - %(attribution_days)s::integer + 1,
    interval '1 day'
) as day
where not %(full)s
union
select day::date
from generate_series(%(since)s::date + 1, %(as_of)s::date + 1, interval '1 day') as day
where not %(full)s
union
select distinct send_date
from core.sends
where campaign_id = %(campaign_id)s and %(full)s;
