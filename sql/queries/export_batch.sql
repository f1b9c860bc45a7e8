-- The published batch of one campaign and send date, as CRM systems see it.
select row_count, holdout_count, checksum, model_version, published_at
from crm.batches_v1
where campaign_id = %(campaign_id)s and send_date = %(send_date)s;
