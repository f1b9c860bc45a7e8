-- The campaign's arm statistics as of a day, for its active templates.
select
    state.segment,
    state.template_id,
    state.matured,
    state.reward_sum,
    state.reward_sq_sum
from bandit.arm_state as state
inner join config.templates as template
    on state.campaign_id = template.campaign_id
    and state.template_id = template.template_id
where
    state.campaign_id = %(campaign_id)s
    and state.as_of = %(as_of)s
    and template.active;
