-- The first and last send dates of a campaign that have matured sends.
select min(send_date), max(send_date)
from reporting.attributed_sends
where campaign_id = %(campaign_id)s and matured;
