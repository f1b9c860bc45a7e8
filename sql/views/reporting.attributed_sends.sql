-- One row per send with what its attribution window brought: whether the CRM reported it
-- delivered, whether its window has closed (matured: before the end of the last window the
-- campaign learned from) and its reward, computed as the update_posteriors step does (1 for
-- any reward event in the window, or the capped value sum / cap with a value cap; 0 until
-- matured) with the functions of migration 0034, which the report step's outcome refresh
-- (reporting_outcomes_insert) shares.
create or replace view reporting.attributed_sends as
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
        send.model_version,
        campaigns.reward_event_type,
        campaigns.attribution_days,
        campaigns.value_cap,
        learned.as_of,
        reporting.send_matured(send.send_date, campaigns.attribution_days, learned.as_of)
            as matured
    from core.sends as send
    inner join campaigns
        on send.campaign_id = campaigns.campaign_id
    left join learned
        on send.campaign_id = learned.campaign_id
),

outcomes as (
    -- one pass over the sends and their events (a send without events keeps its row)
    select
        sends.send_id,
        sends.campaign_id,
        sends.send_date,
        sends.segment,
        sends.template_id,
        sends.is_holdout,
        sends.propensity,
        sends.model_version,
        sends.value_cap,
        sends.matured,
        coalesce(bool_or(event.event_type = 'delivered'), false) as delivered,
        count(event.event_id) filter (
            where reporting.counts_as_reward(
                event.event_type, event.event_ts, event.arrival_date, sends.reward_event_type,
                sends.send_date, sends.attribution_days, sends.as_of
            )
        ) as reward_events,
        coalesce(sum(event.value) filter (
            where reporting.counts_as_reward(
                event.event_type, event.event_ts, event.arrival_date, sends.reward_event_type,
                sends.send_date, sends.attribution_days, sends.as_of
            )
        ), 0) as reward_value
    from sends
    left join core.events as event
        on sends.send_id = event.send_id
    group by
        sends.send_id, sends.campaign_id, sends.send_date, sends.segment, sends.template_id,
        sends.is_holdout, sends.propensity, sends.model_version, sends.value_cap, sends.matured
)

select
    send_id,
    campaign_id,
    send_date,
    segment,
    template_id,
    is_holdout,
    propensity,
    model_version,
    delivered,
    matured,
    reporting.send_reward(matured, value_cap, reward_events, reward_value) as reward
from outcomes;
