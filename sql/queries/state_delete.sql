delete from bandit.arm_state
where campaign_id = %(campaign_id)s and as_of = %(as_of)s;
