select spec, version
from config.campaigns
where campaign_id = %(campaign_id)s;
