-- The posterior the allocate step stored for one send date: the campaign's latest belief.
select
    segment,
    template_id,
    posterior_alpha,
    posterior_beta,
    expected_regret,
    seed
from bandit.allocations
where campaign_id = %(campaign_id)s and send_date = %(send_date)s
order by segment, template_id;
