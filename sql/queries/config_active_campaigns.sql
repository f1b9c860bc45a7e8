select campaign_id
from config.campaigns
where
    start_date <= %(send_date)s
    and (end_date is null or end_date >= %(send_date)s)
order by campaign_id;
