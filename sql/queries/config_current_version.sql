select version, spec_sha256
from config.campaigns
where campaign_id = %(campaign_id)s
for update;
