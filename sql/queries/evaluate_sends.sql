-- Matured sends of a campaign's send dates, grouped by what an estimator tells apart: the
-- context (send date, segment), the template and the reward. Both cohorts: the logging
-- probability of a send is that of the whole mechanism (holdout draw, then template draw).
select send_date, segment, template_id, reward, count(*) as sends
from reporting.attributed_sends
where
    campaign_id = %(campaign_id)s
    and matured
    and send_date between %(first)s and %(last)s
group by send_date, segment, template_id, reward
order by send_date, segment, template_id, reward;
