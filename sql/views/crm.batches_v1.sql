-- Contract v1 for CRM systems: which send dates are complete and ready to pull.
create or replace view crm.batches_v1 as
select
    campaign_id,
    send_date,
    row_count,
    holdout_count,
    checksum,
    model_version,
    published_at
from crm.batches
where status = 'ready';
