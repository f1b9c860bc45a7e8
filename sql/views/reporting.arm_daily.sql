-- Posteriors over time: one row per campaign x segment x template x as-of date.
-- matured = sends whose attribution window had closed; rewards = their summed reward.
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
    / (priors.prior_alpha + priors.prior_beta + state.matured) as posterior_mean
from state
inner join priors
    on state.campaign_id = priors.campaign_id;
