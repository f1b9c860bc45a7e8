-- What happened to the sends: one row per campaign x send date x segment x template x cohort
-- (bandit or uniform holdout), with how many were delivered, how many have matured and the
-- rewards of those (reporting.attributed_sends per send). The base of the lift,
-- epoch-regret and sample-ratio views.
create or replace view reporting.daily_outcomes as
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
from reporting.attributed_sends
group by campaign_id, send_date, segment, template_id, is_holdout;
