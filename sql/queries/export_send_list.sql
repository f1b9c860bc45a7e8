-- The rows of one published batch, exactly as crm.send_list_v1 gives them to a CRM.
select
    send_id,
    send_date,
    campaign_id,
    user_id,
    template_id,
    channel,
    segment,
    propensity,
    is_holdout,
    model_version,
    published_at
from crm.send_list_v1
where campaign_id = %(campaign_id)s and send_date = %(send_date)s
order by send_id;
