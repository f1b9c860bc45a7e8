-- The latest as-of date whose night refreshed the campaign's outcomes, and the attribution
-- window it used (none: build in full).
select as_of, attribution_days
from bandit.outcomes_refreshed
where campaign_id = %(campaign_id)s;
