-- The batches published for one send date, for the Asset event.
select campaign_id, row_count
from crm.batches
where send_date = %(send_date)s and campaign_id = any(%(campaign_ids)s)
order by campaign_id;
