-- Cumulative regret per send date, three ways (the columns the regret views share).
select send_date, method, cumulative_regret, cumulative_low, cumulative_high,
    cumulative_uniform_regret
from reporting.regret_posterior
where campaign_id = %(campaign_id)s
union all
select send_date, method, cumulative_regret, cumulative_low, cumulative_high,
    cumulative_uniform_regret
from reporting.regret_epoch
where campaign_id = %(campaign_id)s
union all
select send_date, method, cumulative_regret, cumulative_low, cumulative_high,
    cumulative_uniform_regret
from reporting.regret_true
where campaign_id = %(campaign_id)s
order by send_date, method;
