-- Recompute the outcome cells of some send dates from the per-send rewards (the one
-- definition of a send's reward, reporting.attributed_sends).
insert into bandit.daily_outcomes (
    campaign_id, send_date, segment, template_id, is_holdout, propensity, sends,
    delivered_sends, matured_sends, rewards, reward_sq_sum
)
select
    campaign_id,
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
from reporting.attributed_sends
where campaign_id = %(campaign_id)s and send_date = any(%(dates)s)
group by campaign_id, send_date, segment, template_id, is_holdout;
