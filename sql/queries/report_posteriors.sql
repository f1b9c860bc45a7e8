-- Posterior means per as-of date, segment and template.
select as_of, segment, template_id, posterior_mean, matured, rewards
from reporting.arm_daily
where campaign_id = %(campaign_id)s
order by as_of, segment, template_id;
