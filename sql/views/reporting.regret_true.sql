-- Regret, true: only in simulations, whose world recorded its true reward rates in
-- simulation.true_rates (empty in production, and so is this view). A send costs the true
-- rate of its user's best template minus the true rate of the template it got, charged when
-- it is decided; no estimate, no interval. true_lift is the bandit cohort's expected reward
-- per send under the day's allocation minus under an equal split, for the same users and by
-- the true rates: the quantity reporting.lift estimates. Columns up to cumulative_saved are
-- shared with the other regret views.
create or replace view reporting.regret_true as
with truth as (
    select campaign_id, attribute, attribute_value, template_id, rate
    from simulation.true_rates
),

attributes as (
    select distinct campaign_id, attribute
    from truth
),

segment_rates as (
    select campaign_id, attribute_value, max(rate) as best_rate, avg(rate) as uniform_rate
    from truth
    group by campaign_id, attribute_value
),

sends as (
    select
        send.campaign_id,
        send.send_date,
        send.segment,
        send.template_id,
        send.is_holdout,
        app_user.attributes ->> attributes.attribute as attribute_value,
        count(*) as sends
    from core.sends as send
    inner join attributes
        on send.campaign_id = attributes.campaign_id
    inner join core.users as app_user
        on send.user_id = app_user.user_id
    group by
        send.campaign_id, send.send_date, send.segment, send.template_id, send.is_holdout,
        app_user.attributes ->> attributes.attribute
),

allocated as (
    -- expected true reward of one bandit send per send date, segment and user attribute value
    select
        allocation.campaign_id,
        allocation.send_date,
        allocation.segment,
        truth.attribute_value,
        sum(allocation.probability * truth.rate) as expected_rate
    from bandit.allocations as allocation
    inner join truth
        on allocation.campaign_id = truth.campaign_id
        and allocation.template_id = truth.template_id
    group by allocation.campaign_id, allocation.send_date, allocation.segment, truth.attribute_value
),

daily as (
    select
        sends.campaign_id,
        sends.send_date,
        sum(sends.sends) as sends,
        sum(sends.sends * truth.rate) as expected_rewards,
        sum(sends.sends * (segment_rates.best_rate - truth.rate)) as regret,
        sum(sends.sends * (segment_rates.best_rate - segment_rates.uniform_rate))
            as uniform_regret,
        coalesce(sum(sends.sends) filter (where not sends.is_holdout), 0) as bandit_sends,
        coalesce(
            sum(sends.sends * (allocated.expected_rate - segment_rates.uniform_rate)) filter (
                where not sends.is_holdout
            ),
            0
        ) as bandit_gain
    from sends
    inner join truth
        on sends.campaign_id = truth.campaign_id
        and sends.attribute_value = truth.attribute_value
        and sends.template_id = truth.template_id
    inner join segment_rates
        on sends.campaign_id = segment_rates.campaign_id
        and sends.attribute_value = segment_rates.attribute_value
    left join allocated
        on sends.campaign_id = allocated.campaign_id
        and sends.send_date = allocated.send_date
        and sends.segment = allocated.segment
        and sends.attribute_value = allocated.attribute_value
    group by sends.campaign_id, sends.send_date
),

running as (
    select
        *,
        sum(regret) over campaign_dates as cumulative_regret,
        sum(uniform_regret) over campaign_dates as cumulative_uniform_regret,
        sum(bandit_gain) over campaign_dates as cumulative_bandit_gain,
        sum(bandit_sends) over campaign_dates as cumulative_bandit_sends
    from daily
    window campaign_dates as (partition by campaign_id order by send_date)
)

select
    campaign_id,
    send_date,
    'true'::text as method,
    'the simulated world''s true rates (simulation only)'::text as assumes,
    sends::double precision as sends,
    regret,
    cumulative_regret,
    null::double precision as cumulative_low,
    null::double precision as cumulative_high,
    cumulative_uniform_regret,
    cumulative_uniform_regret - cumulative_regret as cumulative_saved,
    expected_rewards,
    bandit_sends::bigint as bandit_sends,
    bandit_gain / nullif(bandit_sends, 0) as true_lift,
    cumulative_bandit_gain / nullif(cumulative_bandit_sends, 0) as cumulative_true_lift
from running;
