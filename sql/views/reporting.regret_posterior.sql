-- Regret, posterior-expected: what every send so far cost against each segment's best
-- template, as the campaign's latest posterior sees it (the one its latest allocation used).
-- Assumes the Beta-Bernoulli model of the policy (independent templates, rates constant over
-- time within a segment, matured sends only). The value is the exact posterior expectation,
-- the interval the 5th-95th percentiles of 4,000 Monte Carlo draws of the rates. It is
-- recomputed every night for all dates as the posterior learns. Columns up to
-- cumulative_saved are shared with reporting.regret_epoch and reporting.regret_true.
create or replace view reporting.regret_posterior as
with latest as (
    select campaign_id, max(as_of) as as_of
    from bandit.regret_posterior
    group by campaign_id
)

select
    regret.campaign_id,
    regret.send_date,
    'posterior_expected'::text as method,
    'Beta-Bernoulli posterior of each segment x template (rates constant over time); '
    || 'exact expectation, 90% interval from Monte Carlo draws'::text as assumes,
    regret.sends,
    regret.daily_mean as regret,
    regret.cumulative_mean as cumulative_regret,
    regret.cumulative_low,
    regret.cumulative_high,
    regret.uniform_mean as cumulative_uniform_regret,
    regret.saved_mean as cumulative_saved,
    regret.as_of as posterior_as_of,
    regret.daily_low as regret_low,
    regret.daily_high as regret_high,
    regret.uniform_low as cumulative_uniform_low,
    regret.uniform_high as cumulative_uniform_high,
    regret.saved_low as cumulative_saved_low,
    regret.saved_high as cumulative_saved_high,
    regret.draws,
    regret.seed
from bandit.regret_posterior as regret
inner join latest
    on regret.campaign_id = latest.campaign_id
    and regret.as_of = latest.as_of;
