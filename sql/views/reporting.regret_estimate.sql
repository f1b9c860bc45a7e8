-- Cumulative regret of every send so far, as the latest posterior sees it: a send costs
-- E[max_j θ_j] − E[θ_template] under the campaign's most recent Beta posterior of its segment
-- (stored with the latest allocation). uniform_* is the same estimate for an equal split of
-- the same sends over the templates. A model-based estimate, not the true regret (which only
-- a simulation knows); it is recomputed as the posterior learns.
create or replace view reporting.regret_estimate as
with latest as (
    select campaign_id, max(send_date) as send_date
    from bandit.allocations
    group by campaign_id
),

posterior as (
    select
        allocation.campaign_id,
        allocation.segment,
        allocation.template_id,
        allocation.as_of,
        allocation.expected_regret,
        avg(allocation.expected_regret) over (
            partition by allocation.campaign_id, allocation.segment
        ) as uniform_regret
    from bandit.allocations as allocation
    inner join latest
        on allocation.campaign_id = latest.campaign_id
        and allocation.send_date = latest.send_date
),

sends as (
    select campaign_id, send_date, segment, template_id, count(*) as sends
    from core.sends
    group by campaign_id, send_date, segment, template_id
),

daily as (
    select
        sends.campaign_id,
        sends.send_date,
        max(posterior.as_of) as posterior_as_of,
        sum(sends.sends) as sends,
        sum(sends.sends * posterior.expected_regret) as expected_regret,
        sum(sends.sends * posterior.uniform_regret) as uniform_expected_regret
    from sends
    inner join posterior
        on sends.campaign_id = posterior.campaign_id
        and sends.segment = posterior.segment
        and sends.template_id = posterior.template_id
    group by sends.campaign_id, sends.send_date
)

select
    campaign_id,
    send_date,
    posterior_as_of,
    sends,
    expected_regret,
    uniform_expected_regret,
    sum(expected_regret) over w as cumulative_expected_regret,
    sum(uniform_expected_regret) over w as cumulative_uniform_expected_regret
from daily
window w as (partition by campaign_id order by send_date);
