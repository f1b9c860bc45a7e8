-- Recompute the outcome cells of some send dates: each send's delivery and reward as
-- reporting.attributed_sends defines them (the functions of migration 0034), for the given
-- dates only. An event arrives on or after its send's day (it follows its send and precedes
-- its arrival), so only the event partitions from the earliest of the dates on are read: a
-- night costs the dates it touched, not the campaign's history.
with campaign as (
    select reward_event_type, attribution_days, value_cap
    from config.campaigns
    where campaign_id = %(campaign_id)s
),

learned as (
    select max(as_of) as as_of
    from bandit.arm_state
    where campaign_id = %(campaign_id)s
),

-- the newest day any event arrived: a loaded event happened on or after its send's day and
-- before the end of its arrival day, so a send dated after it has no event yet
latest as (
    select max(arrival_date) as day
    from core.events
),

send as not materialized (
    select
        send.send_id,
        send.send_date,
        send.segment,
        send.template_id,
        send.is_holdout,
        send.propensity,
        campaign.reward_event_type,
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

answer as (
    select event.send_id, event.event_type, event.event_ts, event.arrival_date, event.value
    from core.events as event
    where
        event.campaign_id = %(campaign_id)s
        and event.arrival_date >= (select min(day) from unnest(%(dates)s::date[]) as day)
),

outcome as (
    select
        send.send_date,
        send.segment,
        send.template_id,
        send.is_holdout,
        send.propensity,
        send.matured,
        coalesce(bool_or(answer.event_type = 'delivered'), false) as delivered,
        reporting.send_reward(
            send.matured,
            send.value_cap,
            count(answer.send_id) filter (
                where reporting.counts_as_reward(
                    answer.event_type, answer.event_ts, answer.arrival_date,
                    send.reward_event_type, send.send_date, send.attribution_days, send.as_of
                )
            ),
            coalesce(sum(answer.value) filter (
                where reporting.counts_as_reward(
                    answer.event_type, answer.event_ts, answer.arrival_date,
                    send.reward_event_type, send.send_date, send.attribution_days, send.as_of
                )
            ), 0)
        ) as reward
    from send
    left join answer
        on send.send_id = answer.send_id
    where send.send_date <= (select day from latest)
    group by
        send.send_id, send.send_date, send.segment, send.template_id, send.is_holdout,
        send.propensity, send.matured, send.value_cap

    union all

    -- sends no event can have answered yet: no per-send grouping, no join
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
    where send.send_date > coalesce((select day from latest), '-infinity'::date)
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
