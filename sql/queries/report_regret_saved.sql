-- What the policy saved against an equal split so far, as the latest posterior sees it.
select posterior_as_of, cumulative_saved, cumulative_saved_low, cumulative_saved_high
from reporting.regret_posterior
where campaign_id = %(campaign_id)s
order by send_date desc
limit 1;
