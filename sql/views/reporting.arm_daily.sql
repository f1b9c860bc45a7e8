-- Posteriors over time: one row per campaign x segment x template x as-of date.
-- matured = sends whose attribution window had closed; rewards = their summed reward.
-- The credible interval and P(best) are those the allocate step stored with the allocation
-- made from this state (null where none was made, or before migration 0020).
create or replace view reporting.arm_daily as
with state as (
    select campaign_id, segment, template_id, as_of, sends, matured, reward_sum
    from bandit.arm_state
),

priors as (
    select
        campaign_id,
        coalesce((params ->> 'prior_alpha')::double precision, 1.0) as prior_alpha,
        coalesce((params ->> 'prior_beta')::double precision, 1.0) as prior_beta
    from config.policies
),

allocations as (
    select
        campaign_id, segment, template_id, as_of, credible_low, credible_high, p_best,
        probability
    from bandit.allocations
)

select
    state.campaign_id,
    state.segment,
    state.template_id,
    state.as_of,
    state.sends,
    state.matured,
    state.reward_sum as rewards,
    case when state.matured > 0 then state.reward_sum / state.matured end as mean_reward,
    priors.prior_alpha + state.reward_sum as posterior_alpha,
    priors.prior_beta + state.matured - state.reward_sum as posterior_beta,
    (priors.prior_alpha + state.reward_sum)
    / (priors.prior_alpha + priors.prior_beta + state.matured) as posterior_mean,
    allocations.credible_low,
    allocations.credible_high,
    allocations.p_best,
    allocations.probability as next_probability
from state
inner join priors
    on state.campaign_id = priors.campaign_id
left join allocations
    on state.campaign_id = allocations.campaign_id
    and state.segment = allocations.segment
    and state.template_id = allocations.template_id
    and state.as_of = allocations.as_of;
