-- The probabilities each send date was allocated with, beside the shares actually sent.
-- probability applies to non-holdout users; realized_share is over non-holdout sends. The
-- send counts come from bandit.daily_outcomes, which the nightly report step keeps: a list
-- published tonight is counted once its report step has run.
create or replace view reporting.allocation_history as
with allocations as (
    select
        campaign_id, send_date, segment, template_id, as_of, policy, seed,
        policy_probability, probability, posterior_mean, expected_regret, holdout_share,
        model_version
    from bandit.allocations
),

sent as (
    select
        campaign_id,
        send_date,
        segment,
        template_id,
        coalesce(sum(sends) filter (where not is_holdout), 0)::bigint as sends,
        coalesce(sum(sends) filter (where is_holdout), 0)::bigint as holdout_sends
    from bandit.daily_outcomes
    group by campaign_id, send_date, segment, template_id
)

select
    allocations.campaign_id,
    allocations.send_date,
    allocations.segment,
    allocations.template_id,
    allocations.as_of,
    allocations.policy,
    allocations.seed,
    allocations.policy_probability,
    allocations.probability,
    allocations.holdout_share,
    allocations.posterior_mean,
    allocations.expected_regret as expected_regret_per_send,
    allocations.model_version,
    coalesce(sent.sends, 0) as sends,
    coalesce(sent.holdout_sends, 0) as holdout_sends,
    coalesce(sent.sends, 0)::double precision
    / nullif(sum(coalesce(sent.sends, 0)) over (
        partition by allocations.campaign_id, allocations.send_date, allocations.segment
    ), 0) as realized_share
from allocations
left join sent
    on allocations.campaign_id = sent.campaign_id
    and allocations.send_date = sent.send_date
    and allocations.segment = sent.segment
    and allocations.template_id = sent.template_id;
