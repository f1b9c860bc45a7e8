-- Contract v1 for CRM systems: the send list of every published batch, one row per
-- user x campaign x send date. Rows appear only once their batch is complete.
-- Additive changes only; anything that would break a reader goes into send_list_v2.
create or replace view crm.send_list_v1 as
with batches as (
    select campaign_id, send_date, published_at
    from crm.batches
    where status = 'ready'
),

sends as (
    select
        send_id,
        send_date,
        campaign_id,
        user_id,
        template_id,
        segment,
        propensity,
        is_holdout,
        model_version
    from core.sends
),

templates as (
    select campaign_id, template_id, channel
    from config.templates
)

select
    sends.send_id,
    sends.send_date,
    sends.campaign_id,
    sends.user_id,
    sends.template_id,
    templates.channel,
    sends.segment,
    sends.propensity,
    sends.is_holdout,
    sends.model_version,
    batches.published_at
from sends
inner join batches
    on sends.campaign_id = batches.campaign_id
    and sends.send_date = batches.send_date
inner join templates
    on sends.campaign_id = templates.campaign_id
    and sends.template_id = templates.template_id;
