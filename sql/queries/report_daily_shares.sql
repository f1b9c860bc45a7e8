-- Sends per send date and template (all segments, holdout included).
select send_date, template_id, sum(sends + holdout_sends) as sends
from reporting.allocation_history
where campaign_id = %(campaign_id)s
group by send_date, template_id
order by send_date, template_id;
