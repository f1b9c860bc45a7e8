-- Every campaign with the facts its stored config must satisfy (the config check batch).
with templates as (
    select campaign_id, count(*) filter (where active) as active_templates
    from config.templates
    group by campaign_id
)

select
    campaign.campaign_id,
    coalesce(templates.active_templates, 0) as active_templates,
    policy.campaign_id is not null as has_policy,
    coalesce(policy.min_share, 0) as min_share
from config.campaigns as campaign
left join templates
    on campaign.campaign_id = templates.campaign_id
left join config.policies as policy
    on campaign.campaign_id = policy.campaign_id
