-- Store a validated campaign config as its next version (campaign row, version history,
-- policy settings). The caller decides the version number; see bandit_core/campaigns.py.
with campaign as (
    insert into config.campaigns as c (
        campaign_id, version, name, start_date, end_date, seed,
        reward_event_type, attribution_days, value_cap,
        frequency_cap_sends, frequency_cap_days, spec, spec_sha256, applied_at
    )
    values (
        %(campaign_id)s, %(version)s, %(name)s, %(start_date)s, %(end_date)s, %(seed)s,
        %(reward_event_type)s, %(attribution_days)s, %(value_cap)s,
        %(frequency_cap_sends)s, %(frequency_cap_days)s, %(spec)s, %(spec_sha256)s, now()
    )
    on conflict (campaign_id) do update set
        version = excluded.version,
        name = excluded.name,
        start_date = excluded.start_date,
        end_date = excluded.end_date,
        seed = excluded.seed,
        reward_event_type = excluded.reward_event_type,
        attribution_days = excluded.attribution_days,
        value_cap = excluded.value_cap,
        frequency_cap_sends = excluded.frequency_cap_sends,
        frequency_cap_days = excluded.frequency_cap_days,
        spec = excluded.spec,
        spec_sha256 = excluded.spec_sha256,
        applied_at = excluded.applied_at
    returning c.campaign_id, c.version, c.spec, c.spec_sha256, c.applied_at
),

history as (
    insert into config.campaign_versions (campaign_id, version, spec, spec_sha256, applied_at)
    select campaign_id, version, spec, spec_sha256, applied_at
    from campaign
)

insert into config.policies as p (
    campaign_id, policy, params, holdout_share, min_share, warmup_min_matured
)
select
    campaign_id, %(policy)s, %(policy_params)s, %(holdout_share)s, %(min_share)s,
    %(warmup_min_matured)s
from campaign
on conflict (campaign_id) do update set
    policy = excluded.policy,
    params = excluded.params,
    holdout_share = excluded.holdout_share,
    min_share = excluded.min_share,
    warmup_min_matured = excluded.warmup_min_matured;
