-- The campaign's reward event type, for reporting_outcomes_insert to bind as a value: the
-- planner then estimates how many events the type selects (read from config.campaigns inside
-- the statement, the value is unknown when the statement is planned).
select reward_event_type
from config.campaigns
where campaign_id = %(campaign_id)s;
