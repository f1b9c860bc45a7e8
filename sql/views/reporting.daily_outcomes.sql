-- What happened to the sends: one row per campaign x send date x segment x template x cohort
-- (bandit or uniform holdout), with how many were delivered, how many have matured and the
-- rewards of those. The base of the lift, epoch-regret and sample-ratio views.
-- A send has matured once its attribution window closed before the end of the last window
-- the campaign learned from; its reward is computed as the update_posteriors step does
-- (1 for any reward event in the window, or the capped value sum / cap with a value cap).
create or replace view reporting.daily_outcomes as
with campaigns as (
    select campaign_id, reward_event_type, attribution_days, value_cap
    from config.campaigns
),

learned as (
    select campaign_id, max(as_of) as as_of
    from bandit.arm_state
    group by campaign_id
),

sends as (
    select
        send.send_id,
        send.campaign_id,
        send.send_date,
        send.segment,
        send.template_id,
        send.is_holdout,
        send.propensity,
        campaigns.reward_event_type,
        campaigns.attribution_days,
        campaigns.value_cap,
        learned.as_of,
        send.send_date + campaigns.attribution_days - 1 <= learned.as_of as matured
    from core.sends as send
    inner join campaigns
        on send.campaign_id = campaigns.campaign_id
    left join learned
        on send.campaign_id = learned.campaign_id
),

outcomes as (
    select
        sends.campaign_id,
        sends.send_date,
        sends.segment,
        sends.template_id,
        sends.is_holdout,
        sends.propensity,
        sends.matured,
        sends.value_cap,
        bool_or(event.event_type = 'delivered') as delivered,
        count(event.event_id) filter (
            where event.event_type = sends.reward_event_type
            and event.event_ts >= sends.send_date::timestamp at time zone 'UTC'
            and event.event_ts
            < (sends.send_date + sends.attribution_days)::timestamp at time zone 'UTC'
            and event.arrival_date <= sends.as_of
        ) as reward_events,
        coalesce(sum(event.value) filter (
            where event.event_type = sends.reward_event_type
            and event.event_ts >= sends.send_date::timestamp at time zone 'UTC'
            and event.event_ts
            < (sends.send_date + sends.attribution_days)::timestamp at time zone 'UTC'
            and event.arrival_date <= sends.as_of
        ), 0) as reward_value
    from sends
    left join core.events as event
        on sends.send_id = event.send_id
    group by
        sends.send_id, sends.campaign_id, sends.send_date, sends.segment, sends.template_id,
        sends.is_holdout, sends.propensity, sends.matured, sends.value_cap
),

rewarded as (
    select
        campaign_id,
        send_date,
        segment,
        template_id,
        is_holdout,
        propensity,
        coalesce(matured, false) as matured,
        coalesce(delivered, false) as delivered,
        case
            when value_cap is null then (reward_events > 0)::integer::double precision
            else least(greatest(reward_value, 0), value_cap) / value_cap
        end as reward
    from outcomes
)

select
    campaign_id,
    send_date,
    segment,
    template_id,
    is_holdout,
    max(propensity) as propensity,
    count(*) as sends,
    count(*) filter (where delivered) as delivered_sends,
    count(*) filter (where matured) as matured_sends,
    coalesce(sum(reward) filter (where matured), 0) as rewards,
    coalesce(sum(reward * reward) filter (where matured), 0) as reward_sq_sum,
    avg(reward) filter (where matured) as mean_reward
from rewarded
group by campaign_id, send_date, segment, template_id, is_holdout;
