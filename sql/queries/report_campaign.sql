-- The campaign as configured now: name, policy, rails and templates in their configured order.
select
    campaign.name,
    policy.policy,
    policy.holdout_share,
    policy.min_share,
    campaign.reward_event_type,
    campaign.attribution_days,
    array(
        select template.template_id
        from config.templates as template
        where template.campaign_id = campaign.campaign_id
        order by template.position
    ) as templates
from config.campaigns as campaign
inner join config.policies as policy
    on campaign.campaign_id = policy.campaign_id
where campaign.campaign_id = %(campaign_id)s;
