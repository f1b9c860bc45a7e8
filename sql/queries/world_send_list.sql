-- The published list for one date, read through the CRM contract view.
select send_id, user_id, template_id
from crm.send_list_v1
where campaign_id = %(campaign_id)s and send_date = %(send_date)s
order by send_id;
