-- Posteriors per as-of date, segment and template, with their credible intervals and P(best).
select
    as_of,
    segment,
    template_id,
    posterior_mean,
    matured,
    rewards,
    credible_low,
    credible_high,
    p_best,
    sends
from reporting.arm_daily
where campaign_id = %(campaign_id)s
order by as_of, segment, template_id;
