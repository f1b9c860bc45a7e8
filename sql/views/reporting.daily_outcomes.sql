-- What happened to the sends: one row per campaign x send date x segment x template x cohort
-- (bandit or uniform holdout), with how many were delivered, how many have matured and the
-- rewards of those (reporting.attributed_sends per send). Kept by the nightly report step for
-- the send dates each night touched (bandit.daily_outcomes), so it is as of the last report
-- step. The base of the lift, epoch-regret and sample-ratio views.
create or replace view reporting.daily_outcomes as
select
    campaign_id,
    send_date,
    segment,
    template_id,
    is_holdout,
    propensity,
    sends,
    delivered_sends,
    matured_sends,
    rewards,
    reward_sq_sum,
    rewards / nullif(matured_sends, 0) as mean_reward
from bandit.daily_outcomes;
