insert into core.sends (
    send_id, send_date, campaign_id, user_id, template_id, segment, propensity, is_holdout,
    model_version
)
select
    send_id, send_date, campaign_id, user_id, template_id, segment, propensity, is_holdout,
    model_version
from staging.sends
where campaign_id = %(campaign_id)s and send_date = %(send_date)s;
