-- Decision support per campaign x send date x segment: how decided each segment is when its
-- allocation was made. value_remaining is the 95th percentile of the relative gain any
-- template might still have over the leader, (max_j θ_j − θ_leader) / θ_leader, under the
-- posterior (Monte Carlo, seeded); below decided_below (1%) the segment is effectively
-- decided. matured_needed projects how many more matured sends would get it there if the
-- posterior means held still and traffic kept tomorrow's split (null: not within 10^9);
-- days_needed divides it by the segment's average daily sends over the last 7 days.
create or replace view reporting.decision_support as
with decisions as (
    select
        campaign_id, send_date, as_of, segment, leader_template_id, leader_p_best,
        value_remaining, decided_below, matured, matured_needed, seed
    from bandit.segment_decisions
),

segment_sends as (
    select campaign_id, segment, as_of, sum(sends) as sends
    from bandit.arm_state
    group by campaign_id, segment, as_of
),

traffic as (
    -- average daily sends over the (up to) 7 days before each as-of date
    select
        campaign_id,
        segment,
        as_of,
        (sends - coalesce(lag(sends, 7) over days, 0))
        / least(7, row_number() over days)::double precision as daily_sends
    from segment_sends
    window days as (partition by campaign_id, segment order by as_of)
)

select
    decisions.campaign_id,
    decisions.send_date,
    decisions.as_of,
    decisions.segment,
    decisions.leader_template_id,
    decisions.leader_p_best,
    decisions.value_remaining,
    decisions.decided_below,
    decisions.value_remaining < decisions.decided_below as decided,
    bool_and(decisions.value_remaining < decisions.decided_below) over (
        partition by decisions.campaign_id, decisions.send_date
    ) as campaign_decided,
    decisions.matured,
    decisions.matured_needed,
    ceil(decisions.matured_needed / nullif(traffic.daily_sends, 0)) as days_needed,
    traffic.daily_sends as recent_daily_sends,
    decisions.seed
from decisions
left join traffic
    on decisions.campaign_id = traffic.campaign_id
    and decisions.segment = traffic.segment
    and decisions.as_of = traffic.as_of;
