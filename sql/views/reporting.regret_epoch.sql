-- Regret, epoch-stratified: a frequentist estimate that needs no prior. Within one send date
-- the allocation is fixed, so each template's mean reward that day is unbiased for its rate;
-- the per-day means of matured sends (both cohorts) are combined with fixed weights (the
-- segment's matured sends that day), so changing allocations do not bias them (no Simpson's
-- paradox from pooling). The best template of a segment is chosen on the even send dates and
-- valued on the odd ones and vice versa (two-fold cross-fitting), which avoids the
-- winner's-curse bias of taking the largest mean; with too few days it falls back to the
-- largest mean (best_selection = 'in-sample', biased upward). A send costs best - its
-- template's mean, charged when it is decided; sends of a template without matured data
-- cannot be priced and are left out. The 90% interval is a normal approximation that treats
-- the best template as known. Assumes rates constant over time within a segment.
create or replace view reporting.regret_epoch as
with outcomes as (
    select
        campaign_id,
        segment,
        template_id,
        send_date,
        (send_date - date '2000-01-01') % 2 as fold,
        sum(matured_sends) as n,
        sum(rewards) as s,
        sum(reward_sq_sum) as q
    from reporting.daily_outcomes
    where matured_sends > 0
    group by campaign_id, segment, template_id, send_date
),

weighted as (
    select
        *,
        sum(n) over (partition by campaign_id, segment, send_date) as weight
    from outcomes
),

arm_estimates as (
    select
        campaign_id,
        segment,
        template_id,
        sum(weight * s / n) / sum(weight) as mean,
        sum(weight * s / n) filter (where fold = 0)
        / nullif(sum(weight) filter (where fold = 0), 0) as mean_even,
        sum(weight * s / n) filter (where fold = 1)
        / nullif(sum(weight) filter (where fold = 1), 0) as mean_odd,
        -- the variance of one reward (pooled over days) times sum(w^2 / n) / (sum w)^2
        greatest((sum(q) - sum(s) ^ 2 / sum(n)) / nullif(sum(n) - 1, 0), 0)
        * sum(weight * weight / n) / sum(weight) ^ 2 as variance
    from weighted
    group by campaign_id, segment, template_id
),

picks as (
    -- each segment's best templates and the values the estimate needs from them, taken in
    -- the same ordered pass (three joins back to arm_estimates made the planner loop over
    -- every arm for every segment)
    select
        campaign_id,
        segment,
        (array_agg(template_id order by mean desc, template_id))[1] as best_all,
        bool_and(mean_even is not null and mean_odd is not null) as cross_fit,
        -- the best on the even dates, valued on the odd ones, and vice versa
        (array_agg(mean_odd order by mean_even desc nulls last, template_id))[1]
            as best_even_on_odd,
        (array_agg(mean_even order by mean_odd desc nulls last, template_id))[1]
            as best_odd_on_even,
        max(mean) as best_all_mean,
        (array_agg(variance order by mean desc, template_id))[1] as best_all_variance
    from arm_estimates
    group by campaign_id, segment
),

best as (
    select
        campaign_id,
        segment,
        best_all,
        case when cross_fit then 'cross-fitted' else 'in-sample' end as best_selection,
        case
            when cross_fit then (best_even_on_odd + best_odd_on_even) / 2
            else best_all_mean
        end as best_mean,
        best_all_variance as best_variance
    from picks
),

gaps as (
    select
        arms.campaign_id,
        arms.segment,
        arms.template_id,
        best.best_mean - arms.mean as gap,
        avg(best.best_mean - arms.mean) over (
            partition by arms.campaign_id, arms.segment
        ) as uniform_gap,
        arms.template_id = best.best_all as is_best,
        arms.variance,
        best.best_variance,
        best.best_selection
    from arm_estimates as arms
    inner join best
        on arms.campaign_id = best.campaign_id
        and arms.segment = best.segment
),

sent as (
    select campaign_id, send_date, segment, template_id, sum(sends) as sends
    from reporting.daily_outcomes
    group by campaign_id, send_date, segment, template_id
),

calendar as materialized (
    -- materialised: the grid joins it once per priced template, and as a subquery it was
    -- sorted again for each of them
    select distinct campaign_id, send_date
    from sent
),

grid as (
    -- every priced template on every send date, so running totals see days without sends
    select
        gaps.*,
        calendar.send_date,
        coalesce(sent.sends, 0) as sends,
        sum(coalesce(sent.sends, 0)) over (
            partition by gaps.campaign_id, gaps.segment, gaps.template_id
            order by calendar.send_date
        ) as cumulative_sends
    from gaps
    inner join calendar
        on gaps.campaign_id = calendar.campaign_id
    left join sent
        on gaps.campaign_id = sent.campaign_id
        and gaps.segment = sent.segment
        and gaps.template_id = sent.template_id
        and calendar.send_date = sent.send_date
),

segment_days as (
    select
        campaign_id,
        send_date,
        segment,
        bool_or(best_selection = 'in-sample') as in_sample,
        sum(sends) as sends,
        sum(sends * gap) as regret,
        sum(cumulative_sends * gap) as cumulative_regret,
        sum(cumulative_sends * uniform_gap) as cumulative_uniform_regret,
        -- Var = (sends of other templates)^2 Var(best) + sum over others of N^2 Var(mean)
        sum(cumulative_sends) filter (where not is_best) ^ 2 * max(best_variance)
        + coalesce(
            sum(cumulative_sends ^ 2 * variance) filter (where not is_best), 0
        ) as cumulative_variance
    from grid
    group by campaign_id, send_date, segment
),

daily as (
    select
        campaign_id,
        send_date,
        bool_or(in_sample) as in_sample,
        sum(sends) as sends,
        sum(regret) as regret,
        sum(cumulative_regret) as cumulative_regret,
        sum(cumulative_uniform_regret) as cumulative_uniform_regret,
        sqrt(sum(coalesce(cumulative_variance, 0))) as cumulative_std_error
    from segment_days
    group by campaign_id, send_date
)

select
    campaign_id,
    send_date,
    'epoch_stratified'::text as method,
    'rates constant over time within a segment; per-day means combined with fixed weights; '
    || 'best template cross-fitted over even and odd days; normal 90% interval'::text
        as assumes,
    sends::double precision as sends,
    regret,
    cumulative_regret,
    cumulative_regret - 1.6449 * cumulative_std_error as cumulative_low,
    cumulative_regret + 1.6449 * cumulative_std_error as cumulative_high,
    cumulative_uniform_regret,
    cumulative_uniform_regret - cumulative_regret as cumulative_saved,
    cumulative_std_error,
    case when in_sample then 'in-sample' else 'cross-fitted' end as best_selection
from daily;
