-- What each send date allocated per segment and template, and what was sent.
select send_date, segment, template_id, probability, realized_share, sends, holdout_sends
from reporting.allocation_history
where campaign_id = %(campaign_id)s
order by send_date, segment, template_id;
