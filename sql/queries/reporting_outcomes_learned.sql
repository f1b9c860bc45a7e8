-- The night the campaign has learned up to: its newest arm state (null before the first).
select max(as_of)
from bandit.arm_state
where campaign_id = %(campaign_id)s;
