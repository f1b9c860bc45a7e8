-- The latest as-of date whose night refreshed the campaign's outcomes (none: build in full).
select as_of
from bandit.outcomes_refreshed
where campaign_id = %(campaign_id)s;
