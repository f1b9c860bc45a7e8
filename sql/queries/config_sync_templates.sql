-- Make config.templates match a campaign's template list: upsert the listed templates as
-- active, keep the others (their history is referenced by sends) but mark them inactive.
with listed as (
    select
        t.template_id,
        t.position,
        t.channel,
        t.features
    from jsonb_to_recordset(%(templates)s::jsonb)
        as t (template_id text, position integer, channel text, features jsonb)
),

upserted as (
    insert into config.templates as tpl (
        campaign_id, template_id, position, channel, features, active
    )
    select %(campaign_id)s, template_id, position, channel, features, true
    from listed
    on conflict (campaign_id, template_id) do update set
        position = excluded.position,
        channel = excluded.channel,
        features = excluded.features,
        active = true
    returning tpl.template_id
)

update config.templates as tpl
set active = false
where
    tpl.campaign_id = %(campaign_id)s
    and tpl.template_id not in (select listed.template_id from listed);
