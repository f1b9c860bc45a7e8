-- Lift: how much more reward per send the bandit earned than an equal split of the templates
-- would have, per send date (scope 'day') and over all send dates so far ('cumulative'),
-- on matured sends only. Three estimators, one row each:
--   holdout  the bandit cohort's mean reward minus the always-on uniform holdout's (two
--            random samples of the same users): Welch's normal interval; the cumulative
--            value combines the days with the bandit cohort's sends as weights;
--   ips      the bandit cohort's mean reward minus the inverse-propensity estimate of an equal
--            split from the same sends, weights (1/K) / logged propensity: mean of r(1 - w);
--   snips    the same with the self-normalised estimate sum(r w) / sum(w), delta-method
--            interval.
-- ips and snips use only the bandit cohort, so they are independent of the holdout
-- estimate. Templates the allocation gave probability 0 cannot stand in for their share of
-- an equal split (unsupported_share > 0 biases ips/snips). Intervals are 95%.
create or replace view reporting.lift as
with templates as (
    select campaign_id, send_date, segment, count(*) as k
    from bandit.allocations
    group by campaign_id, send_date, segment
),

outcomes as (
    select
        outcomes.campaign_id,
        outcomes.send_date,
        outcomes.is_holdout,
        outcomes.matured_sends as n,
        outcomes.rewards as s,
        outcomes.reward_sq_sum as q,
        (1.0 / templates.k) / outcomes.propensity as w
    from reporting.daily_outcomes as outcomes
    inner join templates
        on outcomes.campaign_id = templates.campaign_id
        and outcomes.send_date = templates.send_date
        and outcomes.segment = templates.segment
    where outcomes.matured_sends > 0
),

unsupported as (
    -- the share of an equal split that falls on templates the allocation gave probability 0,
    -- averaged over segments, then over the send dates so far
    select
        campaign_id,
        send_date,
        unsupported_share,
        avg(unsupported_share) over (
            partition by campaign_id order by send_date
        ) as cumulative_unsupported_share
    from (
        select
            campaign_id,
            send_date,
            avg((probability = 0)::integer::double precision) as unsupported_share
        from bandit.allocations
        group by campaign_id, send_date
    ) as days
),

cohort_days as (
    select
        campaign_id,
        send_date,
        is_holdout,
        sum(n) as n,
        sum(s) as s,
        sum(q) as q
    from outcomes
    group by campaign_id, send_date, is_holdout
),

holdout_days as (
    select
        bandit.campaign_id,
        bandit.send_date,
        bandit.n as bandit_n,
        bandit.s / bandit.n as bandit_mean,
        holdout.s / holdout.n as holdout_mean,
        bandit.s / bandit.n - holdout.s / holdout.n as lift,
        sqrt(
            greatest((bandit.q - bandit.s ^ 2 / bandit.n) / (bandit.n - 1), 0) / bandit.n
            + greatest((holdout.q - holdout.s ^ 2 / holdout.n) / (holdout.n - 1), 0) / holdout.n
        ) as std_error,
        bandit.n + holdout.n as sends
    from cohort_days as bandit
    inner join cohort_days as holdout
        on bandit.campaign_id = holdout.campaign_id
        and bandit.send_date = holdout.send_date
        and holdout.is_holdout
    where not bandit.is_holdout and bandit.n > 1 and holdout.n > 1
),

holdout_rows as (
    select
        campaign_id, send_date, 'day'::text as scope, sends, bandit_mean as policy_value,
        holdout_mean as baseline_value, lift, std_error
    from holdout_days
    union all
    select
        campaign_id,
        send_date,
        'cumulative'::text as scope,
        sum(sends) over running as sends,
        sum(bandit_n * bandit_mean) over running / sum(bandit_n) over running,
        sum(bandit_n * holdout_mean) over running / sum(bandit_n) over running,
        sum(bandit_n * lift) over running / sum(bandit_n) over running,
        sqrt(sum(bandit_n ^ 2 * std_error ^ 2) over running) / sum(bandit_n) over running
    from holdout_days
    window running as (partition by campaign_id order by send_date)
),

ips_days as (
    -- the sums the ips and snips formulas need, per send date
    select
        campaign_id,
        send_date,
        sum(n) as n,
        sum(s) as s,
        sum(q) as q,
        sum(w * n) as wn,
        sum(w * s) as ws,
        sum(w * q) as wq,
        sum(w * w * n) as w2n,
        sum(w * w * s) as w2s,
        sum(w * w * q) as w2q
    from outcomes
    where not is_holdout
    group by campaign_id, send_date
),

ips_scopes as (
    select 'day'::text as scope, *
    from ips_days
    union all
    select
        'cumulative'::text,
        campaign_id,
        send_date,
        sum(n) over running,
        sum(s) over running,
        sum(q) over running,
        sum(wn) over running,
        sum(ws) over running,
        sum(wq) over running,
        sum(w2n) over running,
        sum(w2s) over running,
        sum(w2q) over running
    from ips_days
    window running as (partition by campaign_id order by send_date)
),

ips_values as (
    select
        *,
        s / n as v_on,
        ws / n as v_ips,
        ws / wn as v_snips,
        n / wn as c
    from ips_scopes
    where n > 1
),

ips_rows as (
    -- ips: d = r (1 - w), the standard error of its mean
    select
        campaign_id,
        send_date,
        scope,
        'ips'::text as estimator,
        n as sends,
        v_on as policy_value,
        v_ips as baseline_value,
        v_on - v_ips as lift,
        sqrt(greatest(
            ((q - 2 * wq + w2q) - (s - ws) ^ 2 / n) / (n - 1), 0
        ) / n) as std_error
    from ips_values
    union all
    -- snips: influence r - v_on - c w (r - v_snips), its squares summed from the sums
    select
        campaign_id,
        send_date,
        scope,
        'snips'::text,
        n,
        v_on,
        v_snips,
        v_on - v_snips,
        sqrt(greatest(
            (q - 2 * c * wq + c ^ 2 * w2q)
            + 2 * (-v_on * s + c * v_snips * ws + c * v_on * ws - c ^ 2 * v_snips * w2s)
            + (v_on ^ 2 * n - 2 * c * v_on * v_snips * wn + c ^ 2 * v_snips ^ 2 * w2n),
            0
        )) / n
    from ips_values
),

estimates as (
    select
        campaign_id, send_date, scope, 'holdout'::text as estimator, sends, policy_value,
        baseline_value, lift, std_error
    from holdout_rows
    union all
    select
        campaign_id, send_date, scope, estimator, sends, policy_value, baseline_value, lift,
        std_error
    from ips_rows
)

select
    estimates.campaign_id,
    estimates.send_date,
    estimates.estimator,
    estimates.scope,
    estimates.sends::bigint as sends,
    estimates.policy_value,
    estimates.baseline_value,
    estimates.lift,
    estimates.std_error,
    estimates.lift - 1.96 * estimates.std_error as lift_low,
    estimates.lift + 1.96 * estimates.std_error as lift_high,
    estimates.lift / nullif(estimates.baseline_value, 0) as relative_lift,
    case
        when estimates.estimator = 'holdout' then 0
        when estimates.scope = 'day' then coalesce(unsupported.unsupported_share, 0)
        else coalesce(unsupported.cumulative_unsupported_share, 0)
    end as unsupported_share
from estimates
left join unsupported
    on estimates.campaign_id = unsupported.campaign_id
    and estimates.send_date = unsupported.send_date;
