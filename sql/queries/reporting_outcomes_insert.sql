-- Recompute the outcome cells of some send dates: each send's delivery and reward as
-- reporting.attributed_sends defines them (the functions of migration 0034), for the given
-- dates only. An event arrives on or after its send's day (it follows its send and precedes
-- its arrival), so only the event partitions from the earliest of the dates on are read: a
-- night costs the dates it touched, not the campaign's history.
with campaign as (
    select attribution_days, value_cap
    from config.campaigns
    where campaign_id = %(campaign_id)s
),

-- the night the campaign has learned up to (reporting_outcomes_learned.sql); the campaign's
-- reward event type is a bound value throughout (reporting_outcomes_reward_type.sql, and see
-- answer), and so are the first arrival day an event answering one of the dates can have
-- (%(events_from)s, the earliest date) and the newest day any event arrived (%(latest)s,
-- reporting_outcomes_latest.sql: a loaded event happened on or after its send's day and before
-- the end of its arrival day, so a send dated after it has no event yet). As bound values the
-- planner prunes the partitions and reads each whole (at full size it read the newest event
-- partition and the sends by bitmap scans, planned for a third of their rows: 9.3 s against
-- 6.0 s under EXPLAIN ANALYZE for the benchmark's day 4, 5.5-6.4 s against 4.2-6.2 s plain)
learned as (
    select %(learned_as_of)s::date as as_of
),

send as not materialized (
    select
        send.send_id,
        send.send_date,
        send.segment,
        send.template_id,
        send.is_holdout,
        send.propensity,
        campaign.attribution_days,
        campaign.value_cap,
        learned.as_of,
        reporting.send_matured(send.send_date, campaign.attribution_days, learned.as_of)
            as matured
    from core.sends as send
    cross join campaign
    cross join learned
    where send.campaign_id = %(campaign_id)s and send.send_date = any(%(dates)s::date[])
),

-- each answered send's events, summed per send before the join (grouping the events on their
-- one send id costs less than grouping the joined rows on every column of the send): whether
-- it was delivered, and its reward events that arrived by the night the campaign learned from,
-- with the first and last of their times. The ids are grouped by their bytes (the column's
-- collation "C", migration 0046; the same groups as any deterministic collation): at full size
-- the statement took 8.4 s sorting them under the database's locale, 6.3-7.1 s by bytes. The reward type and the
-- learned night are bound values (reporting_outcomes_reward_type.sql), not the CTEs' columns:
-- with them the planner expects the events the filter keeps, not twice as many, and groups
-- them by hash (6.9-7.2 s against 8.0-8.5 s under EXPLAIN ANALYZE at full size)
answer as (
    select
        event.send_id,
        bool_or(event.event_type = 'delivered') as delivered,
        count(*) filter (where event.event_type = %(reward_event_type)s) as reward_events,
        sum(event.value) filter (where event.event_type = %(reward_event_type)s)
            as reward_value,
        min(event.event_ts) filter (where event.event_type = %(reward_event_type)s)
            as first_ts,
        max(event.event_ts) filter (where event.event_type = %(reward_event_type)s)
            as last_ts
    from core.events as event
    where
        event.campaign_id = %(campaign_id)s
        and event.arrival_date >= %(events_from)s::date
        and (
            event.event_type = 'delivered'
            or (
                event.event_type = %(reward_event_type)s
                and event.arrival_date <= %(learned_as_of)s::date
            )
        )
    group by event.send_id
),

outcome as (
    select
        send.send_date,
        send.segment,
        send.template_id,
        send.is_holdout,
        send.propensity,
        send.matured,
        coalesce(answer.delivered, false) as delivered,
        case
            -- no reward event, or the first and the last (so all) within the send's attribution
            -- window: the sums are the send's
            when coalesce(answer.reward_events, 0) = 0
                or (
                    reporting.counts_as_reward(
                        %(reward_event_type)s::text, answer.first_ts, send.as_of,
                        %(reward_event_type)s::text, send.send_date, send.attribution_days,
                        send.as_of
                    )
                    and reporting.counts_as_reward(
                        %(reward_event_type)s::text, answer.last_ts, send.as_of,
                        %(reward_event_type)s::text, send.send_date, send.attribution_days,
                        send.as_of
                    )
                )
                then reporting.send_reward(
                    send.matured,
                    send.value_cap,
                    coalesce(answer.reward_events, 0),
                    coalesce(answer.reward_value, 0)
                )
            -- some fall outside it (loaded under a longer window): count them one by one
            else reporting.recounted_reward(
                send.send_id, %(campaign_id)s, %(events_from)s::date, send.matured,
                send.value_cap, %(reward_event_type)s::text, send.send_date,
                send.attribution_days, send.as_of
            )
        end as reward
    from send
    left join answer
        on send.send_id = answer.send_id
    where send.send_date <= %(latest)s::date

    union all

    -- sends no event can have answered yet: no join
    select
        send.send_date,
        send.segment,
        send.template_id,
        send.is_holdout,
        send.propensity,
        send.matured,
        false,
        reporting.send_reward(send.matured, send.value_cap, 0, 0)
    from send
    where send.send_date > coalesce(%(latest)s::date, '-infinity'::date)
)

insert into bandit.daily_outcomes (
    campaign_id, send_date, segment, template_id, is_holdout, propensity, sends,
    delivered_sends, matured_sends, rewards, reward_sq_sum
)
select
    %(campaign_id)s,
    send_date,
    segment,
    template_id,
    is_holdout,
    max(propensity),
    count(*),
    count(*) filter (where delivered),
    count(*) filter (where matured),
    coalesce(sum(reward) filter (where matured), 0),
    coalesce(sum(reward * reward) filter (where matured), 0)
from outcome
group by send_date, segment, template_id, is_holdout;
