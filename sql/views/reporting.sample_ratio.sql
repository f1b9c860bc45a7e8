-- Sample-ratio check per campaign x send date x segment: do the realised counts per template
-- and cohort match the intended probabilities? Pearson's chi-square of observed against
-- expected counts, twice: on the listed sends (the assignment) and on the delivered sends
-- (sends with a `delivered` event: what the CRM actually sent). A p-value below alarm_below
-- flags the segment-day: broken delivery, a filter on the CRM side, or a broken assignment.
-- A send lands in cell (template i, bandit) with probability (1 - holdout_share) * p_i and in
-- (template i, holdout) with holdout_share / K. worst_* names the cell with the lowest
-- delivered rate, where to look first.
create or replace view reporting.sample_ratio as
with allocations as (
    select
        campaign_id,
        send_date,
        segment,
        template_id,
        probability,
        holdout_share,
        count(*) over (partition by campaign_id, send_date, segment) as templates
    from bandit.allocations
),

cells as (
    select
        campaign_id, send_date, segment, template_id, templates, holdout_share,
        false as is_holdout,
        (1 - holdout_share) * probability as intended
    from allocations
    union all
    select
        campaign_id, send_date, segment, template_id, templates, holdout_share,
        true as is_holdout,
        holdout_share / templates as intended
    from allocations
),

observed as (
    select
        cells.campaign_id,
        cells.send_date,
        cells.segment,
        cells.template_id,
        cells.is_holdout,
        cells.templates,
        cells.holdout_share,
        cells.intended,
        coalesce(outcomes.sends, 0) as listed,
        coalesce(outcomes.delivered_sends, 0) as delivered
    from cells
    left join reporting.daily_outcomes as outcomes
        on cells.campaign_id = outcomes.campaign_id
        and cells.send_date = outcomes.send_date
        and cells.segment = outcomes.segment
        and cells.template_id = outcomes.template_id
        and cells.is_holdout = outcomes.is_holdout
),

totals as (
    select
        *,
        sum(listed) over segment_day as listed_total,
        sum(delivered) over segment_day as delivered_total
    from observed
    window segment_day as (partition by campaign_id, send_date, segment)
),

terms as (
    -- a count in a cell that should be empty makes the statistic infinite
    select
        *,
        case
            when intended > 0 then (listed - listed_total * intended) ^ 2 / (listed_total * intended)
            when listed > 0 then 'Infinity'::double precision
            else 0
        end as listed_term,
        case
            when delivered_total = 0 then null
            when intended > 0
                then (delivered - delivered_total * intended) ^ 2 / (delivered_total * intended)
            when delivered > 0 then 'Infinity'::double precision
            else 0
        end as delivered_term
    from totals
    where listed_total > 0
),

worst as (
    -- the cell that lost the largest part of its listed sends on the way to delivery
    select distinct on (campaign_id, send_date, segment)
        campaign_id,
        send_date,
        segment,
        template_id as worst_template_id,
        is_holdout as worst_is_holdout,
        listed as worst_listed_sends,
        delivered::double precision / listed as worst_delivered_rate
    from terms
    where listed > 0
    order by
        campaign_id, send_date, segment,
        delivered::double precision / listed, listed desc, template_id
),

tests as (
    select
        campaign_id,
        send_date,
        segment,
        max(templates)::integer as templates,
        max(holdout_share) as holdout_share,
        max(listed_total)::bigint as listed_sends,
        sum(listed_term) as listed_chi_square,
        (count(*) filter (where intended > 0) - 1)::integer as df,
        max(delivered_total)::bigint as delivered_sends,
        case when max(delivered_total) > 0 then sum(delivered_term) end as delivered_chi_square
    from terms
    group by campaign_id, send_date, segment
)

select
    tests.campaign_id,
    tests.send_date,
    tests.segment,
    tests.templates,
    tests.holdout_share,
    tests.df,
    tests.listed_sends,
    tests.listed_chi_square,
    case when tests.df > 0 then bandit.chi_square_sf(tests.listed_chi_square, tests.df) end
        as listed_p_value,
    tests.delivered_sends,
    tests.delivered_sends::double precision / tests.listed_sends as delivered_rate,
    tests.delivered_chi_square,
    case when tests.df > 0 then bandit.chi_square_sf(tests.delivered_chi_square, tests.df) end
        as delivered_p_value,
    0.001::double precision as alarm_below,
    coalesce(
        tests.df > 0 and (
            bandit.chi_square_sf(tests.listed_chi_square, tests.df) < 0.001
            or bandit.chi_square_sf(tests.delivered_chi_square, tests.df) < 0.001
        ),
        false
    ) as flagged,
    worst.worst_template_id,
    worst.worst_is_holdout,
    worst.worst_listed_sends,
    worst.worst_delivered_rate
from tests
inner join worst
    on tests.campaign_id = worst.campaign_id
    and tests.send_date = worst.send_date
    and tests.segment = worst.segment;
