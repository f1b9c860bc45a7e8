select distinct model_version
from bandit.allocations
where campaign_id = %(campaign_id)s and send_date = %(send_date)s;
