select count(*)
from staging.sends
where campaign_id = %(campaign_id)s and send_date = %(send_date)s;
