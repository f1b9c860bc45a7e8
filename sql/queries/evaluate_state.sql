-- The arm state each send date was allocated from (as of the day before it).
select as_of, segment, template_id, matured, reward_sum, reward_sq_sum
from bandit.arm_state
where
    campaign_id = %(campaign_id)s
    and as_of between %(first)s::date - 1 and %(last)s::date - 1
order by as_of, segment, template_id;
