-- The latest as-of date whose night refreshed the campaign's outcomes, the attribution window
-- it used and the night the campaign had learned up to then (none: build in full).
select as_of, attribution_days, learned_as_of
from bandit.outcomes_refreshed
where campaign_id = %(campaign_id)s;
