-- Cumulative regret as the posterior estimated it the night before each send date: every send
-- costs E[max_j θ_j] − E[θ_template] under that night's Beta posterior of its segment.
-- uniform_* is the same estimate for an equal split of the same sends over the templates.
-- It is a model-based estimate, not the true regret (which only a simulation knows).
create or replace view reporting.regret_estimate as
with sends as (
    select campaign_id, send_date, segment, template_id, count(*) as sends
    from core.sends
    group by campaign_id, send_date, segment, template_id
),

per_segment as (
    select
        campaign_id,
        send_date,
        segment,
        avg(expected_regret) as uniform_regret_per_send
    from bandit.allocations
    group by campaign_id, send_date, segment
),

daily as (
    select
        sends.campaign_id,
        sends.send_date,
        sum(sends.sends) as sends,
        sum(sends.sends * allocation.expected_regret) as expected_regret,
        sum(sends.sends * per_segment.uniform_regret_per_send) as uniform_expected_regret
    from sends
    inner join bandit.allocations as allocation
        on sends.campaign_id = allocation.campaign_id
        and sends.send_date = allocation.send_date
        and sends.segment = allocation.segment
        and sends.template_id = allocation.template_id
    inner join per_segment
        on sends.campaign_id = per_segment.campaign_id
        and sends.send_date = per_segment.send_date
        and sends.segment = per_segment.segment
    group by sends.campaign_id, sends.send_date
)

select
    campaign_id,
    send_date,
    sends,
    expected_regret,
    uniform_expected_regret,
    sum(expected_regret) over w as cumulative_expected_regret,
    sum(uniform_expected_regret) over w as cumulative_uniform_expected_regret
from daily
window w as (partition by campaign_id order by send_date);
