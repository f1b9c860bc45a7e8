-- The logged allocations of a campaign's send dates: what each user's template was drawn with.
select send_date, segment, template_id, probability, holdout_share
from bandit.allocations
where
    campaign_id = %(campaign_id)s
    and send_date between %(first)s and %(last)s
order by send_date, segment, template_id;
