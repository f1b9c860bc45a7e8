select
    send_date, sends, cumulative_expected_regret, cumulative_uniform_expected_regret
from reporting.regret_estimate
where campaign_id = %(campaign_id)s
order by send_date;
